/** `trellis-server inspect|evict|compact` arguments, parsed strictly with node's util.parseArgs like the server's flags. */
import { parseArgs } from 'node:util';
import { ErrorCode, TrellisError } from '../../core/index.js';
import { parseDuration } from '../core/index.js';

export const ADMIN_COMMANDS = ['inspect', 'evict', 'compact'] as const;
export type AdminCommand = (typeof ADMIN_COMMANDS)[number];

export const isAdminCommand = (word: string | undefined): word is AdminCommand => (ADMIN_COMMANDS as readonly (string | undefined)[]).includes(word);

export const ADMIN_USAGE = `Administration (prints JSON on stdout; exit 1 with CODE: message on stderr when refused):
  trellis-server inspect <library>                 replicas (user, last seen, truant, seq),
                                                   documents, ops, horizon, bytes
  trellis-server evict <library> [--revoke-tokens] drop the library's rows and close its
                                                   sockets; --revoke-tokens refuses every
                                                   token for it issued until now
  trellis-server compact [<library>]               squash what every replica has applied
  Options:
  --db <path>        the server's SQLite file                      default ./trellis.sqlite
  --url <url>        the running server's routes (http://host:port/parties/trellis);
                     default: the server that holds --db (it writes <db>-server.json),
                     else the file itself, opened directly
  --secret <s>       the server's secret (or env TRELLIS_SECRET), to sign the admin token
  --truancy <d>      with the file opened directly: the server's truancy window
                                                                   default 30d`;

export interface AdminCliOptions {
  readonly command: AdminCommand;
  readonly help: boolean;
  /** Absent only for `compact` of every library. */
  readonly library: string | undefined;
  readonly revokeTokens: boolean;
  readonly dbPath: string;
  readonly url: string | undefined;
  readonly secret: string | undefined;
  readonly truancyMs: number;
}

/** Throws CLI_INVALID_FLAG with a message meant for stderr. */
export function parseAdminArgs(argv: readonly string[], env: Record<string, string | undefined> = {}): AdminCliOptions {
  const [command, ...rest] = argv;
  if (!isAdminCommand(command)) return invalid(`unknown command "${command}"`);
  const { values, positionals } = parseFlags(rest);
  const help = values.help === true;
  const library = positionals[0];
  if (!help && positionals.length > 1) invalid(`${command} takes one library, got ${positionals.length} arguments`);
  if (!help && library === undefined && command !== 'compact') invalid(`${command} needs a library: trellis-server ${command} <library>`);
  if (values['revoke-tokens'] === true && command !== 'evict') invalid('--revoke-tokens goes with evict');
  if (values.url !== undefined && !/^https?:\/\/[^/]+/.test(values.url)) invalid(`--url must be an http(s) URL such as http://127.0.0.1:3242/parties/trellis, got "${values.url}"`);
  const secret = values.secret ?? env.TRELLIS_SECRET;
  if (secret === '') invalid('--secret must not be empty');
  let truancySeconds = 0;
  try {
    truancySeconds = parseDuration(values.truancy ?? '30d');
  } catch {
    invalid(`--truancy must be a duration such as 12h, 30d or 2w, got "${values.truancy}"`);
  }
  return {
    command,
    help,
    library,
    revokeTokens: values['revoke-tokens'] === true,
    dbPath: values.db ?? './trellis.sqlite',
    url: values.url?.replace(/\/+$/, ''),
    secret,
    truancyMs: truancySeconds * 1000,
  };
}

function parseFlags(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: true,
      options: {
        db: { type: 'string' },
        url: { type: 'string' },
        secret: { type: 'string' },
        truancy: { type: 'string' },
        'revoke-tokens': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    return invalid(err instanceof Error ? err.message : String(err));
  }
}

function invalid(message: string): never {
  throw new TrellisError(ErrorCode.CLI_INVALID_FLAG, message);
}

/** The `trellis-server` flags, parsed strictly with node's util.parseArgs. */
import { parseArgs } from 'node:util';
import { ErrorCode, TrellisError } from '../../core/index.js';
import { parseDuration } from '../core/index.js';
import type { SyncLimits } from '../core/index.js';
import { LIMIT_PARSE_OPTIONS, limitUsage, parseLimitFlags, parseSize } from './limit-flags.js';
import type { Durability } from './sqlite-storage.js';

export const USAGE = `Usage: trellis-server [options]

Runs a Trellis sync server (WebSocket + SQLite).

Options:
  --port <n>         port to listen on (0 picks a free one)        default 3242
  --host <addr>      address to bind                               default 127.0.0.1
  --db <path>        SQLite database file                          default ./trellis.sqlite
  --secret <s>       token HMAC secret (or env TRELLIS_SECRET); without one the
                     server runs in INSECURE dev mode and serves GET /dev/token
  --truancy <d>      replicas away longer than this must reset     default 30d
  --min-schema-version <n>
                     refuse replicas whose schema version is older
                     (SYNC_SCHEMA_OUTDATED: the app must update)   default none
  --files <dir>      store the bytes of file fields in this directory; without
                     it, uploads are refused
  --max-file-size <n>
                     largest file accepted: bytes, or with k, m, g default 25m
  --file-grace <d>   unreferenced files are deleted after this     default 1d
  --full-sync        fsync every commit (synchronous=FULL): survives power loss, slower
  --peer <url>       replicate with another Trellis server (its sync URL, e.g.
                     ws://host:3242/parties/trellis); repeatable. Servers sharing
                     --secret authenticate each other
  --peer-libraries <a,b>
                     replicate only these libraries with every --peer
                                                                    default all
  -h, --help         show this help

${limitUsage()}

Endpoints: ws://HOST:PORT/parties/trellis/<library>?token=<JWT>, GET /health,
           GET/PUT http://HOST:PORT/parties/trellis/<library>/files/<id> (with --files)`;

export interface CliOptions {
  readonly help: boolean;
  readonly port: number;
  readonly host: string;
  readonly dbPath: string;
  readonly secret: string | undefined;
  readonly truancyMs: number;
  readonly minSchemaVersion?: number;
  readonly durability: Durability;
  readonly filesDir?: string;
  readonly maxFileSize?: number;
  readonly fileGraceMs?: number;
  /** Only the limits given as flags; the server's defaults for the others. */
  readonly limits?: Partial<SyncLimits>;
  readonly maxUploads?: number;
  readonly maxUploadsPerUser?: number;
  /** --peer (repeatable), each limited to --peer-libraries when given. */
  readonly peers?: readonly { readonly url: string; readonly libraries?: readonly string[] }[];
}

/** Throws CLI_INVALID_FLAG with a message meant for stderr. */
export function parseCliArgs(argv: readonly string[], env: Record<string, string | undefined> = {}): CliOptions {
  const { values } = parseFlags(argv);
  const port = Number(values.port ?? '3242');
  if (!Number.isInteger(port) || port < 0 || port > 65535) invalid(`--port must be an integer from 0 to 65535, got "${values.port}"`);
  let truancySeconds = 0;
  try {
    truancySeconds = parseDuration(values.truancy ?? '30d');
  } catch {
    invalid(`--truancy must be a duration such as 12h, 30d or 2w, got "${values.truancy}"`);
  }
  const secret = values.secret ?? env.TRELLIS_SECRET;
  if (secret === '') invalid('--secret must not be empty');
  return {
    help: values.help === true,
    port,
    host: values.host ?? '127.0.0.1',
    dbPath: values.db ?? './trellis.sqlite',
    secret,
    truancyMs: truancySeconds * 1000,
    durability: values['full-sync'] === true ? 'full' : 'normal',
    ...minSchemaVersion(values['min-schema-version']),
    ...peerOptions(values),
    ...fileOptions(values),
    ...parseLimitFlags(values),
  };
}

function parseFlags(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        db: { type: 'string' },
        secret: { type: 'string' },
        truancy: { type: 'string' },
        'min-schema-version': { type: 'string' },
        'full-sync': { type: 'boolean' },
        peer: { type: 'string', multiple: true },
        'peer-libraries': { type: 'string' },
        files: { type: 'string' },
        'max-file-size': { type: 'string' },
        'file-grace': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        ...LIMIT_PARSE_OPTIONS,
      },
    });
  } catch (err) {
    return invalid(err instanceof Error ? err.message : String(err));
  }
}

function peerOptions(values: { peer?: string[]; 'peer-libraries'?: string }) {
  const urls = values.peer ?? [];
  for (const url of urls) if (!/^wss?:\/\/[^/]+/.test(url)) invalid(`--peer must be a ws:// or wss:// URL (a server's sync URL), got "${url}"`);
  const listed = values['peer-libraries'];
  if (listed !== undefined && urls.length === 0) invalid('--peer-libraries needs at least one --peer');
  const libraries = listed?.split(',').map((name) => name.trim());
  if (libraries !== undefined && libraries.some((name) => name === '')) invalid(`--peer-libraries must be library names separated by commas, got "${listed}"`);
  if (urls.length === 0) return {};
  return { peers: urls.map((url) => (libraries === undefined ? { url } : { url, libraries })) };
}

function fileOptions(values: { files?: string; 'max-file-size'?: string; 'file-grace'?: string }) {
  const size = values['max-file-size'];
  const maxFileSize = size === undefined ? undefined : parseSize(size);
  if (size !== undefined && (maxFileSize === undefined || maxFileSize === 0)) invalid(`--max-file-size must be a positive size such as 1048576, 512k or 25m, got "${size}"`);
  let graceSeconds: number | undefined;
  try {
    graceSeconds = values['file-grace'] === undefined ? undefined : parseDuration(values['file-grace']);
  } catch {
    invalid(`--file-grace must be a duration such as 12h or 1d, got "${values['file-grace']}"`);
  }
  if (values.files === '') invalid('--files must name a directory');
  return {
    ...(values.files === undefined ? {} : { filesDir: values.files }),
    ...(maxFileSize === undefined ? {} : { maxFileSize }),
    ...(graceSeconds === undefined ? {} : { fileGraceMs: graceSeconds * 1000 }),
  };
}

function minSchemaVersion(value: string | undefined): { minSchemaVersion?: number } {
  if (value === undefined) return {};
  const version = /^[0-9]+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(version) || version < 1) invalid(`--min-schema-version must be a positive integer (a schema's version), got "${value}"`);
  return { minSchemaVersion: version };
}

function invalid(message: string): never {
  throw new TrellisError(ErrorCode.CLI_INVALID_FLAG, message);
}

/**
 * `trellis-server`: the Node adapter as a command. JSON log lines on stdout,
 * the human banner and flag errors on stderr. Exit codes: 0 after a clean
 * shutdown (SIGINT/SIGTERM), 1 when the server cannot start, 2 on bad flags.
 * `trellis-server inspect|evict|compact …` administers instead (cli-admin.ts):
 * JSON on stdout and 0, or `CODE: message` on stderr and 1.
 */
import { isTrellisError } from '../../core/index.js';
import type { Log } from '../core/index.js';
import { USAGE, parseCliArgs } from './cli-args.js';
import { ADMIN_USAGE, isAdminCommand, parseAdminArgs } from './cli-admin-args.js';
import type { CliOptions } from './cli-args.js';
import type { createNodeServer as CreateNodeServer } from './node-server.js';

/** The one line printed when the optional peers the server runs on are not installed. */
const MISSING_PEERS_LINE =
  'trellis-server: the server needs the packages ws and better-sqlite3; install them beside trellis: npm install ws better-sqlite3\n';
const OPTIONAL_PEERS = ['ws', 'better-sqlite3'] as const;

/**
 * Loads the adapter only once flags are parsed: `ws` and `better-sqlite3` are
 * optional peer dependencies, so a fresh `npm install trellis` lacks them and a
 * static import would end in an ERR_MODULE_NOT_FOUND stack trace.
 */
async function loadNodeServer(): Promise<typeof CreateNodeServer> {
  try {
    return (await import('./node-server.js')).createNodeServer;
  } catch (err) {
    if (!isMissingPeer(err)) throw err;
    process.stderr.write(MISSING_PEERS_LINE);
    process.exit(1);
  }
}

/** Node's message names the package: "Cannot find package 'ws' imported from ...". */
function isMissingPeer(err: unknown): boolean {
  if (!(err instanceof Error) || (err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') return false;
  return OPTIONAL_PEERS.some((name) => err.message.includes(`'${name}'`));
}

const log: Log = (level, event, fields) => {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level, event, ...fields })}\n`);
};

async function main(argv: readonly string[]): Promise<void> {
  if (isAdminCommand(argv[0])) return admin(argv);
  let options: CliOptions;
  try {
    options = parseCliArgs(argv, process.env);
  } catch (err) {
    if (!isTrellisError(err)) throw err;
    process.stderr.write(`trellis-server: ${err.message}\nRun trellis-server --help for usage.\n`);
    process.exit(2);
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n\n${ADMIN_USAGE}\n`);
    return;
  }
  const createNodeServer = await loadNodeServer();
  const node = await createNodeServer({ ...options, log }).catch((err: unknown) => {
    process.stderr.write(`trellis-server: cannot start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
  process.stderr.write(
    [
      `Trellis sync server listening on ${node.url}`,
      options.secret === undefined ? 'WARNING: no --secret: insecure development mode (GET /dev/token issues tokens to anyone).' : '',
      'Connect a store:',
      `  import { createSync } from 'trellis/sync';`,
      `  const sync = createSync(store, { url: '${node.url}', library: 'my-library', getToken });`,
      `  sync.state.subscribe((s) => console.log(s.phase, s.pending));`,
      '',
    ]
      .filter((line, i) => i !== 1 || line !== '')
      .join('\n'),
  );
  const shutdown = (signal: string): void => {
    log('info', 'server.stopping', { signal });
    node.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

async function admin(argv: readonly string[]): Promise<void> {
  let options: ReturnType<typeof parseAdminArgs>;
  try {
    options = parseAdminArgs(argv, process.env);
  } catch (err) {
    if (!isTrellisError(err)) throw err;
    process.stderr.write(`trellis-server: ${err.message}\nRun trellis-server --help for usage.\n`);
    process.exit(2);
  }
  if (options.help) return void process.stdout.write(`${ADMIN_USAGE}\n`);
  const { runAdmin } = await import('./cli-admin.js');
  const answer = await runAdmin(options).catch((err: unknown) => {
    if (isMissingPeer(err)) {
      process.stderr.write(MISSING_PEERS_LINE);
      process.exit(1);
    }
    if (!isTrellisError(err)) throw err;
    process.stderr.write(`trellis-server: ${err.code}: ${err.message}\n`);
    process.exit(1);
  });
  const body = answer.body as { code?: string; message?: string };
  if (answer.status >= 300) {
    process.stderr.write(`trellis-server: ${body.code ?? answer.status}: ${body.message ?? 'refused'}\n`);
    process.exit(1);
  }
  process.stdout.write(`${JSON.stringify(answer.body, null, 2)}\n`);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`trellis-server: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

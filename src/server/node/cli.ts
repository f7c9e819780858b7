/**
 * `trellis-server`: the Node adapter as a command. JSON log lines on stdout,
 * the human banner and flag errors on stderr. Exit codes: 0 after a clean
 * shutdown (SIGINT/SIGTERM), 1 when the server cannot start, 2 on bad flags.
 */
import { isTrellisError } from '../../core/index.js';
import type { Log } from '../core/index.js';
import { USAGE, parseCliArgs } from './cli-args.js';
import type { CliOptions } from './cli-args.js';
import { createNodeServer } from './node-server.js';

const log: Log = (level, event, fields) => {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level, event, ...fields })}\n`);
};

async function main(argv: readonly string[]): Promise<void> {
  let options: CliOptions;
  try {
    options = parseCliArgs(argv, process.env);
  } catch (err) {
    if (!isTrellisError(err)) throw err;
    process.stderr.write(`trellis-server: ${err.message}\nRun trellis-server --help for usage.\n`);
    process.exit(2);
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
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

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`trellis-server: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

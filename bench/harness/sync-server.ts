/**
 * A sync server for server and network figures (propagation, late joiner,
 * ingest, fan-out), of either kind, so each figure can report its rows per
 * server:
 *
 * - `node`: createNodeServer (`ws` + better-sqlite3, WAL) in this process.
 * - `cloudflare`: the production Worker and TrellisLibrary objects
 *   (src/server/cloudflare/worker-entry.ts) under miniflare: workerd with
 *   SQLite-backed Durable Objects and WebSocket hibernation, as deployed,
 *   minus the network between the client, the edge and the object.
 *
 * Both listen on 127.0.0.1 at a free port with a fresh, empty store.
 *
 *   for (const kind of SYNC_SERVER_KINDS) {
 *     const server = await startSyncServer(kind);
 *     const ws = new WebSocket(`${server.url}/${library}?token=${await server.token(library)}`);
 *     … rows with figure: `propagation (${kind})` …
 *     await server.close();
 *   }
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Miniflare } from 'miniflare';
import { createTokenProvider } from '../../src/server/core/index.js';
import type { Role } from '../../src/server/core/index.js';
import { createNodeServer } from '../../src/server/node/index.js';
import { bundleForWorkerd } from '../../test/helpers/miniflare-server.js';
import { benchServerRules, benchServerSchema } from './bench-authority.js';

export const SYNC_SERVER_KINDS = ['node', 'cloudflare'] as const;
export type SyncServerKind = (typeof SYNC_SERVER_KINDS)[number];

export interface BenchSyncServer {
  readonly kind: SyncServerKind;
  /** `ws://127.0.0.1:<port>/parties/trellis`; a library is `${url}/${library}?token=…`. */
  readonly url: string;
  /** A token for `library`; give replicas distinct `user`s past the server's connections-per-token limit (32). */
  token(library: string, role?: Role, user?: string): Promise<string>;
  close(): Promise<void>;
}

export const BENCH_SECRET = 'bench-secret-0123456789abcdef0123456789';
/** As in wrangler.toml. */
const COMPATIBILITY_DATE = '2026-04-20';

export interface SyncServerOptions {
  /** The server's periodic compaction interval in whole seconds; default the server's own (60 s on both). */
  readonly compactIntervalSeconds?: number;
  /** Node only: the server checks every push against bench-authority.ts's schema and write rule. */
  readonly authority?: boolean;
}

export async function startSyncServer(kind: SyncServerKind, root = join(import.meta.dirname, '..', '..'), options: SyncServerOptions = {}): Promise<BenchSyncServer> {
  const dir = mkdtempSync(join(tmpdir(), `trellis-bench-${kind}-`));
  const tokens = createTokenProvider({ secret: BENCH_SECRET });
  const token = (library: string, role: Role = 'write', user = 'bench') => tokens.issue({ library, user, role, expiresIn: '1h' });
  const remove = () => rmSync(dir, { recursive: true, force: true });
  if (kind === 'node') {
    const interval = options.compactIntervalSeconds === undefined ? {} : { compactIntervalMs: options.compactIntervalSeconds * 1000 };
    const authority = options.authority === true ? { schema: benchServerSchema, rules: benchServerRules } : {};
    const node = await createNodeServer({ port: 0, dbPath: join(dir, 'trellis.sqlite'), secret: BENCH_SECRET, ...interval, ...authority });
    return { kind, url: node.url, token, close: async () => (await node.close(), remove()) };
  }
  const mf = new Miniflare({
    modules: await bundleWorker(root),
    compatibilityDate: COMPATIBILITY_DATE,
    durableObjects: { TRELLIS: { className: 'TrellisLibrary', useSQLite: true } },
    durableObjectsPersist: join(dir, 'objects'),
    bindings: {
      TRELLIS_SECRET: BENCH_SECRET,
      ...(options.compactIntervalSeconds === undefined ? {} : { TRELLIS_COMPACT_INTERVAL: `${options.compactIntervalSeconds}s` }),
    },
    host: '127.0.0.1',
    port: 0,
    // The objects log one JSON line per connection event; keep stdout for the table.
    handleRuntimeStdio: (stdout: Readable, stderr: Readable) => {
      stdout.resume();
      stderr.resume();
    },
  });
  const origin = (await mf.ready).origin;
  return { kind, url: `${origin.replace(/^http/, 'ws')}/parties/trellis`, token, close: async () => (await mf.dispose(), remove()) };
}

/** The production worker entry, bundled in memory for workerd. */
function bundleWorker(root: string) {
  return bundleForWorkerd(join(root, 'src/server/cloudflare/worker-entry.ts'));
}

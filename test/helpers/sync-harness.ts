import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filter, firstValueFrom, timeout } from 'rxjs';
import WebSocket from 'ws';
import { createNodeServer, type NodeServer, type NodeServerOptions } from 'trellis/server/node';
import { createSync, type Sync, type SyncOptions, type SyncPlugin, type SyncState, type SyncWith } from 'trellis/sync';
import { getStoreHost } from '../../src/store/index.js';
import { testDatabase, type TestDatabase, type TodoStore } from './open-test-store.js';

export const SECRET = 'integration-test-secret';

export interface TestServer extends NodeServer {
  readonly dbPath: string;
  token(library: string, options?: { user?: string; role?: 'read' | 'write'; expiresIn?: string | number }): Promise<string>;
  /** Closes and reopens the server on the same database and port-0 (new URL). */
  restart(): Promise<TestServer>;
  dispose(): Promise<void>;
}

/** A real server on 127.0.0.1 (port 0) with real SQLite in a temp dir. */
export async function startTestServer(options: Partial<NodeServerOptions> = {}, dir = mkdtempSync(join(tmpdir(), 'trellis-'))): Promise<TestServer> {
  const dbPath = join(dir, 'trellis.sqlite');
  const node = await createNodeServer({ port: 0, dbPath, secret: SECRET, compactIntervalMs: 0, ...options });
  return {
    ...node,
    dbPath,
    token: (library, t = {}) => node.tokens.issue({ library, user: t.user ?? 'user', role: t.role ?? 'write', expiresIn: t.expiresIn ?? '1h' }),
    restart: async () => {
      await node.close();
      return startTestServer(options, dir);
    },
    dispose: async () => {
      await node.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A replica whose sync is `S` (with what its plugins add: `presence` with presence()). */
export interface TestReplica<S extends Sync = Sync> {
  readonly db: TestDatabase;
  readonly store: TodoStore;
  sync: S;
  /** The last state seen. */
  readonly state: () => SyncState;
  /** Resolves with the first state that satisfies `predicate` (rejects after 10 s: a safety net, not a timing assertion). */
  waitFor(predicate: (state: SyncState) => boolean): Promise<SyncState>;
  /** Connects again with the same plugins (and `options` over the first ones). */
  connect(options?: Omit<Partial<SyncOptions>, 'plugins'>): S;
  /** Resolves once sync is live and the server acknowledged every local write (10 s safety net). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** A fake-indexeddb store (its own IndexedDB factory) with sync to `server`; `plugins` as createSync takes them. */
export async function openReplica<const P extends readonly SyncPlugin[] = readonly []>(
  server: { url: string; token: TestServer['token'] },
  library: string,
  options: Partial<SyncOptions<P>> & { db?: TestDatabase; connect?: boolean } = {},
): Promise<TestReplica<SyncWith<P>>> {
  const db = options.db ?? testDatabase();
  const store: TodoStore = await db.open();
  let last: SyncState = { phase: 'offline', pending: 0 };
  const replica: TestReplica<SyncWith<P>> = {
    db,
    store,
    sync: undefined as unknown as SyncWith<P>,
    state: () => last,
    waitFor: (predicate) => firstValueFrom(replica.sync.state.pipe(filter(predicate), timeout(10_000))),
    connect(more = {}) {
      const token = server.token(library);
      replica.sync = createSync(store, { url: server.url, library, getToken: () => token, WebSocket, ...options, ...more }) as SyncWith<P>;
      replica.sync.state.subscribe((s) => (last = s));
      return replica.sync;
    },
    settle: async () => {
      const host = getStoreHost(store);
      for (let i = 0; i < 1000; i++) {
        if (last.phase === 'live' && (await host.countAtRisk()) === 0) return;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error(`Replica did not settle: ${JSON.stringify(last)}`);
    },
    close: async () => {
      await replica.sync?.stop();
      await store.close();
    },
  };
  if (options.connect !== false) replica.connect();
  return replica;
}


/** Resolves once the live query's latest value satisfies `predicate` (10 s safety net). */
export function eventually<T>(observable: import('rxjs').Observable<T>, predicate: (value: T) => boolean): Promise<T> {
  return firstValueFrom(observable.pipe(filter(predicate), timeout(10_000)));
}

/** All documents of `todos`, sorted by id, as plain objects. */
export function allTodos(replica: TestReplica) {
  return firstValueFrom(replica.store.collection('todos').find({ orderBy: 'id' }));
}

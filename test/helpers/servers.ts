/**
 * Every sync server implementation behind one test interface, so the
 * integration suite is written once and runs against each (like Hono's
 * `common.case.test.ts`):
 *
 *   describe.each(servers)('$name', (factory) => {
 *     test('…', async () => { const server = await factory.start(); … });
 *   });
 *
 * - `node`: createNodeServer (`ws` + better-sqlite3) in this process.
 * - `cloudflare`: the Worker and one Durable Object per library under
 *   miniflare (workerd), see miniflare-server.ts.
 *
 * Both listen on 127.0.0.1 at a free port, are stopped when the test
 * finishes, and share the test's clock when started with one.
 * TRELLIS_TEST_SERVERS=node (or cloudflare) runs one implementation only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { onTestFinished } from 'vitest';
import { DEV_SECRET, createTokenProvider } from 'trellis/server';
import { answerServerApi, remoteServerLibrary } from 'trellis/server';
import type { CompactionResult, EvictOptions, RemoteServerLibrary, Role } from 'trellis/server';
import { createNodeServer } from 'trellis/server/node';
import type { NodeServer } from 'trellis/server/node';
import type { ReplicationQuery } from 'trellis/protocol';
import { startMiniflare } from './miniflare-server.js';
import { testProfiles } from './test-profiles.js';
import { serverRules, serverSchema } from './authority.js';
import { openClient } from './protocol-client.js';
import type { ProtocolClient } from './protocol-client.js';

export const TEST_SECRET = 'test-secret-0123456789abcdef0123456789';

export type ServerName = 'node' | 'cloudflare';

export interface StartOptions {
  /** Start a test clock at this time (ms); move it with `advanceClock`. Default: real time. */
  readonly clock?: number;
  readonly truancyMs?: number;
  /** `null`: no secret, development mode (dev tokens). Default TEST_SECRET. */
  readonly secret?: string | null;
  /** Periodic compaction (Node: a timer; Cloudflare: an alarm). Default 0: only on demand. */
  readonly compactIntervalMs?: number;
  /** How long a disconnected replica stays in presence (Node: a timer; Cloudflare: an alarm). Default the server's (5 s). */
  readonly presenceGraceMs?: number;
  /** Replicas below this schema version are refused (Node: `minSchemaVersion`; Cloudflare: TRELLIS_MIN_SCHEMA_VERSION). */
  readonly minSchemaVersion?: number;
  /** The server enforces authority.ts's schema and write rules (Node: `schema`, `rules`; Cloudflare: TEST_AUTHORITY). */
  readonly authority?: boolean;
  /** Node: serve file fields (a files directory; the Durable Object always has its bucket). PUT/GET at `${url → http}/<library>/files/<id>`. */
  readonly files?: boolean;
}

export interface LogEntry {
  readonly level: string;
  readonly event: string;
  readonly fields: Record<string, unknown>;
}

export interface TokenOptions {
  readonly user?: string;
  readonly role?: Role;
  readonly expiresIn?: number | string;
  /** The token's scope (protocol/query.ts); absent: the whole library. */
  readonly scope?: ReplicationQuery;
}

export interface ServerUnderTest {
  readonly name: ServerName;
  /** `ws://127.0.0.1:<port>/parties/trellis`; clients connect to `${url}/${library}?token=…`. Changes on restart. */
  readonly url: string;
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  /** A token for the library, signed with the server's secret at the server's time. */
  token(library: string, options?: TokenOptions): Promise<string>;
  /** A raw protocol client with a fresh token (write by default). */
  connect(library: string, options?: TokenOptions & { token?: string }): Promise<ProtocolClient>;
  /** Rows of one SQL statement on the storage that holds `library` (Node: the one database; Cloudflare: the library's object). */
  query<T = Record<string, unknown>>(library: string, sql: string, ...params: (string | number)[]): Promise<T[]>;
  compact(library: string): Promise<CompactionResult[]>;
  /** The server API on `library` (Node: `server.library(name)` in this process; Cloudflare: the object's `serverApi` RPC). */
  library(name: string): RemoteServerLibrary;
  evict(library: string, options?: EvictOptions): Promise<void>;
  logs(): Promise<LogEntry[]>;
  /** Moves the test clock (the server must have been started with `clock`). */
  advanceClock(ms: number): Promise<void>;
  /** Stops the server and starts it again on the same storage (Cloudflare: every object is evicted from memory). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface ServerFactory<S extends ServerUnderTest = ServerUnderTest> {
  readonly name: ServerName;
  start(options?: StartOptions): Promise<S>;
}

/** What only the Durable Object server has (test controls of test/helpers/workerd/test-worker.ts). */
export interface CloudflareServerUnderTest extends ServerUnderTest {
  /** How many times the library's object was created since the last restart (waking from hibernation creates it again). */
  instances(library: string): Promise<number>;
  /** When the library's object has an alarm set (ms since the epoch), or null. */
  pendingAlarm(library: string): Promise<number | null>;
  /** `ws://…/__test/direct`: `${directUrl}/${library}` reaches the object without the Worker's token check. */
  readonly directUrl: string;
}

export const nodeServer: ServerFactory = { name: 'node', start: startNode };
export const cloudflareServer: ServerFactory<CloudflareServerUnderTest> = { name: 'cloudflare', start: startCloudflare };

const selected = (process.env.TRELLIS_TEST_SERVERS ?? 'node,cloudflare').split(',');

/** The implementations this run tests (all by default). */
export const servers: ServerFactory[] = [nodeServer, cloudflareServer].filter((factory) => selected.includes(factory.name));

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-server-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The clock and tokens both implementations share. */
function basics(o: StartOptions) {
  const clock = o.clock === undefined ? undefined : { now: o.clock };
  const now = clock === undefined ? Date.now : () => clock.now;
  const tokens = createTokenProvider({ secret: o.secret === null ? DEV_SECRET : (o.secret ?? TEST_SECRET), now });
  const token = (library: string, t: TokenOptions = {}) =>
    tokens.issue({ library, user: t.user ?? 'ada', role: t.role ?? 'write', expiresIn: t.expiresIn ?? '1h', ...(t.scope === undefined ? {} : { scope: t.scope }) });
  const connect = async (url: string, library: string, c: TokenOptions & { token?: string } = {}): Promise<ProtocolClient> =>
    openClient({ url, library, token: c.token ?? (await token(library, c)) });
  const advance = (ms: number): void => {
    if (clock === undefined) throw new Error('start the server with { clock } to move its time');
    clock.now += ms;
  };
  return { clock, now, token, connect, advance };
}

async function startNode(o: StartOptions = {}): Promise<ServerUnderTest> {
  const { now, token, connect, advance } = basics(o);
  const dbPath = join(tempDir(), 'trellis.sqlite');
  const logs: LogEntry[] = [];
  const open = () =>
    createNodeServer({
      port: 0,
      dbPath,
      now,
      compactIntervalMs: o.compactIntervalMs ?? 0,
      log: (level, event, fields) => logs.push({ level, event, fields }),
      ...(o.secret === null ? {} : { secret: o.secret ?? TEST_SECRET }),
      ...(o.truancyMs === undefined ? {} : { truancyMs: o.truancyMs }),
      ...(o.presenceGraceMs === undefined ? {} : { presenceGraceMs: o.presenceGraceMs }),
      ...(o.minSchemaVersion === undefined ? {} : { minSchemaVersion: o.minSchemaVersion }),
      ...(o.authority === true ? { schema: serverSchema, rules: serverRules } : {}),
      ...(o.files === true ? { filesDir: join(tempDir(), 'files') } : {}),
      profiles: testProfiles,
    });
  let node: NodeServer = await open();
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (!stopped) await node.close();
    stopped = true;
  };
  onTestFinished(stop);
  return {
    name: 'node',
    get url() {
      return node.url;
    },
    get origin() {
      return `http://127.0.0.1:${node.port}`;
    },
    token,
    connect: (library, c) => connect(node.url, library, c),
    query: async (_library, sql, ...params) => {
      // Read-only unless the statement writes (a test that sets up a row as an older server left it).
      const writes = !/^\s*(SELECT|PRAGMA|WITH)\b/i.test(sql);
      const db = new Database(dbPath, { readonly: !writes });
      try {
        const statement = db.prepare(sql);
        if (!statement.reader) return (statement.run(...params), []) as never;
        return statement.all(...params) as never;
      } finally {
        db.close();
      }
    },
    compact: async (library) => node.compact(library),
    // Through answerServerApi as the Durable Object's RPC is, so both refuse bad input alike.
    library: (name) => remoteServerLibrary({ name, send: async (call) => answerServerApi(node.server.library(name), call) }),
    evict: async (library, options) => node.server.evict(library, options),
    logs: async () => logs,
    advanceClock: async (ms) => advance(ms),
    restart: async () => {
      await node.close();
      node = await open();
    },
    stop,
  };
}

async function startCloudflare(o: StartOptions = {}): Promise<CloudflareServerUnderTest> {
  const { clock, token, connect, advance } = basics(o);
  const persistDir = tempDir();
  const bindings: Record<string, string> = {
    ...(o.secret === null ? { TRELLIS_DEV_MODE: 'insecure' } : { TRELLIS_SECRET: o.secret ?? TEST_SECRET }),
    TRELLIS_COMPACT_INTERVAL: `${(o.compactIntervalMs ?? 0) / 1000}s`,
    ...(o.truancyMs === undefined ? {} : { TRELLIS_TRUANCY: `${o.truancyMs / 1000}s` }),
    ...(o.presenceGraceMs === undefined ? {} : { TRELLIS_PRESENCE_GRACE: `${o.presenceGraceMs / 1000}s` }),
    ...(o.minSchemaVersion === undefined ? {} : { TRELLIS_MIN_SCHEMA_VERSION: String(o.minSchemaVersion) }),
    ...(o.authority === true ? { TEST_AUTHORITY: '1' } : {}),
  };
  let running = await startMiniflare({ persistDir, bindings });
  let stopped = false;
  const control = async <T>(path: string, body: Record<string, unknown> = {}): Promise<T> => {
    const response = await fetch(`${running.origin}/__test/${path}`, { method: 'POST', body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`/__test/${path}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  const syncClock = async () => {
    if (clock !== undefined) await control('clock', { now: clock.now });
  };
  await syncClock();
  const stop = async (): Promise<void> => {
    if (!stopped) await running.mf.dispose();
    stopped = true;
  };
  onTestFinished(stop);
  const url = () => `${running.origin.replace(/^http/, 'ws')}/parties/trellis`;
  return {
    name: 'cloudflare',
    get url() {
      return url();
    },
    get origin() {
      return running.origin;
    },
    token,
    connect: (library, c) => connect(url(), library, c),
    query: (library, sql, ...params) => control('query', { library, sql, params }),
    compact: (library) => control('compact', { library }),
    library: (name) => remoteServerLibrary({ name, send: (call) => control('server-api', { library: name, call }) }),
    evict: (library, options) => control('evict', { library, options }),
    logs: () => control('logs'),
    instances: (library) => control('instances', { library }),
    pendingAlarm: (library) => control('alarm', { library }),
    get directUrl() {
      return `${running.origin.replace(/^http/, 'ws')}/__test/direct`;
    },
    advanceClock: async (ms) => {
      advance(ms);
      await syncClock();
    },
    restart: async () => {
      await running.mf.dispose();
      running = await startMiniflare({ persistDir, bindings });
      await syncClock();
    },
    stop,
  };
}

/**
 * Resolves with the first log entry of `server` that `match` accepts, once the server has written it (it
 * polls the log; 10 s is a safety net, not a timing assertion). For what a test must know has happened on
 * the server before it goes on, such as a socket's close being handled.
 */
export async function logged(server: ServerUnderTest, match: (entry: LogEntry) => boolean): Promise<LogEntry> {
  for (let waited = 0; waited < 10_000; waited += 20) {
    const entry = (await server.logs()).find(match);
    if (entry !== undefined) return entry;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('The server never logged the expected entry.');
}

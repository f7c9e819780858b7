/**
 * createTrellisHandler: Trellis as a request handler and an upgrade handler,
 * to mount under a path of a Node HTTP server, an Express app or a Hono app
 * (@hono/node-server). It answers only paths under its base path and leaves
 * every other request and upgrade to the app. createNodeServer is this
 * handler on a server of its own.
 *
 *   const trellis = await createTrellisHandler({ dbPath: './trellis.sqlite', secret, basePath: '/sync' });
 *   const http = createServer((req, res) => trellis.request(req, res) || app(req, res));
 *   http.on('upgrade', trellis.upgrade);
 *   // clients: createSync(store, { url: 'ws://host:port/sync', library, getToken })
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { TRANSPORT_MAX_BYTES } from '../../protocol/index.js';
import { DEV_SECRET, answerDevTokenRequest, createHttpSessions, createSyncServer, createTokenProvider, isAdminPath, isHttpSyncPath } from '../core/index.js';
import type { AdminHost, CompactionResult, EvictOptions, HttpSyncHost, HttpSyncLimits, Log, SyncServer, SyncServerOptions, TokenProvider } from '../core/index.js';
import { createSqliteStorage, openDatabase } from './sqlite-storage.js';
import type { Durability } from './sqlite-storage.js';
import { deferCheckpoints } from './deferred-checkpoints.js';
import { createCompactionLoop } from './compaction-loop.js';
import { answerFile, createNodeFiles, startFileCollection } from './node-files.js';
import type { FileServer } from '../core/index.js';
import { answerAdminHttp } from './node-admin.js';
import { attachSocket, closeSockets, presenceTimer } from './node-socket.js';
import { basePathMatcher } from './base-path.js';
import { startPeering } from './peering.js';
import type { PeerOptions } from './peering.js';
import { answerHttpSyncNode, nodeTimer } from './node-http-sync.js';

/** The core's own options (truancy, limits, profiles, presence grace, schema versions, …), passed through unchanged. */
type CoreOptions = Omit<SyncServerOptions, 'sql' | 'now' | 'verifyToken' | 'log' | 'deferCompaction'>;

export interface TrellisHandlerOptions extends CoreOptions {
  /**
   * The path Trellis answers under: clients connect to `ws://host:port${basePath}/<library>`, files are at
   * `${basePath}/<library>/files/<id>`, admin routes at `${basePath}/_admin/…`. Default: `/parties/<any party>`
   * (`ws://host:port/parties/trellis` as createNodeServer's `url` says).
   */
  readonly basePath?: string;
  readonly dbPath: string;
  /** HMAC secret for tokens. Without one the handler runs in insecure dev mode (DEV_SECRET, GET `${basePath}/dev/token`). */
  readonly secret?: string;
  readonly log?: Log;
  readonly now?: () => number;
  readonly durability?: Durability;
  /** Compact every library this often (ms); 0 turns the timer off. Default one minute. */
  readonly compactIntervalMs?: number;
  /** files: a directory for the bytes of file fields; without one, uploads are refused (404). */
  readonly filesDir?: string;
  /** Largest file accepted, in bytes. Default 25 MiB. */
  readonly maxFileSize?: number;
  /** How long a file stays unreferenced (after compaction) before it is deleted. Default one day. */
  readonly fileGraceMs?: number;
  /** Uploads in progress at once, all users together (each holds its bytes in memory until stored). Default 8. */
  readonly maxUploads?: number;
  /** Uploads in progress at once for one user. Default 4. */
  readonly maxUploadsPerUser?: number;
  /**
   * Other Trellis servers to replicate with (peering.ts): this server dials each one's sync URL per library and
   * both keep each other up to date. Without a `token`/`getToken`, the peer must share this server's `secret`.
   */
  readonly peers?: readonly PeerOptions[];
  /** How often libraries created here are looked for, to dial them on each peer (ms). Default 2000. */
  readonly peerPollMs?: number;
  /** Sync over HTTP (`${basePath}/<library>/sessions`): how long a poll waits, how long a session without one lives, how much one answer carries. */
  readonly httpLimits?: Partial<HttpSyncLimits>;
}

export interface TrellisHandler {
  /**
   * Answers a request under the base path and returns true; returns false (and calls `next`, when given, as
   * Express passes it) for any other path, leaving the response to the app.
   */
  request(req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void): boolean;
  /** Takes a WebSocket upgrade under the base path and returns true; returns false for any other path, leaving the socket to the app's other upgrade listeners. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  readonly server: SyncServer;
  readonly tokens: TokenProvider;
  /** Drop a library's rows, close its sockets with LIBRARY_EVICTED (and start its files' grace); `revokeTokens` refuses every token for it issued until now. */
  evict(library: string, options?: EvictOptions): void;
  /** One compaction step per library (see SyncServer.compact); the rest runs by itself, between other events. */
  compact(library?: string): CompactionResult[];
  /** files: deletes files unreferenced for longer than the grace period (it also runs on the compaction interval). */
  collectFiles(library?: string): Promise<{ library: string; deleted: string[] }[]>;
  /** Closes Trellis's sockets, timers and database; the HTTP server is the app's to close. */
  close(): Promise<void>;
}

export function createTrellisHandler(options: TrellisHandlerOptions): TrellisHandler {
  const { basePath, dbPath, secret, log: givenLog, now: givenNow, durability, compactIntervalMs, filesDir, maxFileSize, fileGraceMs, maxUploads, maxUploadsPerUser, peers, peerPollMs, httpLimits, ...core } = options;
  // Checked before the database opens, so a bad base path leaves nothing open.
  const underBase = basePathMatcher(basePath);
  const log = givenLog ?? (() => {});
  const now = givenNow ?? Date.now;
  if (secret === undefined) log('warn', 'server.insecure', { message: 'No secret given: using the public development secret and serving GET /dev/token. Never do this in production.' });
  const tokens = createTokenProvider({ secret: secret ?? DEV_SECRET, now });
  const db = openDatabase(dbPath, durability);
  const checkpoints = deferCheckpoints(db, { log });
  // The server's own compact, called only once the server exists (a deferred slice runs after a frame, never during creation).
  const compaction = createCompactionLoop({ compact: (library) => server.compact(library), log });
  const server = createSyncServer({ ...core, sql: createSqliteStorage(db), now, verifyToken: tokens.verify, log, deferCompaction: compaction.defer });
  const wss = new WebSocketServer({ noServer: true, maxPayload: TRANSPORT_MAX_BYTES });
  const files = filesDir === undefined ? undefined : createNodeFiles({ dir: filesDir, sql: createSqliteStorage(db), now, verifyToken: tokens.verify, log, ...defined({ maxFileSize, graceMs: fileGraceMs, maxUploads, maxUploadsPerUser }) });
  const presence = presenceTimer({ server, now, log });
  const collectFiles = async (library?: string) => (files === undefined ? [] : files.collect(library));
  const evict = (library: string, evictOptions: EvictOptions = {}): void => {
    server.evict(library, evictOptions);
    // files: an evicted library's files start their grace now; later collections finish them.
    collectFiles(library).catch((err: unknown) => log('error', 'files.collection-failed', { library, message: String(err) }));
  };
  compaction.start(compactIntervalMs ?? 60_000);
  const localLibraries = (): string[] => (db.prepare('SELECT library FROM libraries').all() as { library: string }[]).map((row) => row.library);
  const peering = peers === undefined || peers.length === 0 ? undefined : startPeering({ server, tokens, peers, log, localLibraries, ...(peerPollMs === undefined ? {} : { pollMs: peerPollMs }) });
  const fileTimer = files && startFileCollection({ files, log, intervalMs: compactIntervalMs ?? 60_000 });
  const http: HttpSyncHost = {
    server,
    verifyToken: tokens.verify,
    // A user's sessions (closed ones not yet polled too) are bounded by the server's maxConnectionsPerUser unless httpLimits says otherwise.
    sessions: createHttpSessions({ server, verifyToken: tokens.verify, setTimer: nodeTimer, log, closed: presence.schedule, limits: { ...definedUserLimit(core.limits?.maxConnectionsPerUser), ...httpLimits } }),
  };
  const routes: Routes = { files, server, http, handled: checkpoints.afterFrame, admin: { verifyToken: tokens.verify, inspect: server.inspect, evict, compact: compaction.step }, devTokens: secret === undefined ? tokens : undefined };
  const close = async (): Promise<void> => {
    compaction.stop();
    await peering?.stop();
    clearInterval(fileTimer);
    presence.stop();
    checkpoints.stop();
    server.close();
    http.sessions.closeAll();
    await closeSockets(wss);
    db.close();
  };
  return {
    request: requestHandler({ underBase, routes, log }),
    upgrade: upgradeHandler({ underBase, wss, server, log, closed: presence.schedule, handled: checkpoints.afterFrame }),
    server,
    tokens,
    evict,
    compact: compaction.step,
    collectFiles,
    close,
  };
}

/** What the HTTP routes under the base path act on. */
interface Routes {
  readonly files: FileServer | undefined;
  readonly server: SyncServer;
  readonly admin: AdminHost;
  /** Sync over HTTP: sessions and snapshots (http-sync-api.ts). */
  readonly http: HttpSyncHost;
  /** After an HTTP sync request was answered (deferred-checkpoints.ts). */
  readonly handled: () => void;
  /** Set in dev mode only: `<base>/dev/token` issues tokens. */
  readonly devTokens: TokenProvider | undefined;
}

function requestHandler(o: { underBase: (pathname: string) => string | undefined; routes: Routes; log: Log }): TrellisHandler['request'] {
  return (req, res, next) => {
    const path = o.underBase(pathOf(req));
    if (path === undefined) {
      next?.();
      return false;
    }
    answer({ req, res, path, ...o.routes }).catch((err: unknown) => {
      o.log('error', 'http.failed', { message: String(err) });
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'SERVER_INTERNAL', message: 'The server failed; retry.' }));
    });
    return true;
  };
}

/** `<base>/<library>?token=…` becomes a connection; another path under the base is answered 404; the rest is not ours. */
function upgradeHandler(o: {
  underBase: (pathname: string) => string | undefined;
  wss: WebSocketServer;
  server: SyncServer;
  log: Log;
  closed: () => void;
  handled: () => void;
}): TrellisHandler['upgrade'] {
  return (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = o.underBase(url.pathname);
    if (path === undefined) return false;
    const library = libraryOf(path);
    if (library === undefined) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return true;
    }
    const token = url.searchParams.get('token');
    o.wss.handleUpgrade(req, socket, head, (ws) => attachSocket({ ws, server: o.server, log: o.log, library, token, closed: o.closed, handled: o.handled }));
    return true;
  };
}

/** `/<library>` under the base path, URL-decoded; undefined for any other path or broken percent-encoding. */
function libraryOf(path: string): string | undefined {
  const match = /^\/([^/]+)\/?$/.exec(path);
  if (match === null) return undefined;
  try {
    return decodeURIComponent(match[1] as string);
  } catch {
    return undefined;
  }
}

/** Express strips a mount path from req.url; originalUrl keeps it, so the handler matches its base path wherever it is mounted. */
function pathOf(req: IncomingMessage): string {
  const url = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  return new URL(url, 'http://localhost').pathname;
}

async function answer(o: Routes & { req: IncomingMessage; res: ServerResponse; path: string }): Promise<void> {
  const { req, res, path } = o;
  if (isAdminPath(path)) return answerAdminHttp({ req, res, path, host: o.admin });
  if (isHttpSyncPath(path)) return answerHttpSyncNode({ req, res, path, host: o.http, handled: o.handled });
  const file = answerFile({ files: o.files, req, res, path });
  if (file !== undefined) return file;
  await answerHttp({ req, res, path, server: o.server, tokens: o.devTokens });
}

/** `<base>/health`, and `<base>/dev/token` in dev mode; 404 for the rest. */
export async function answerHttp(o: { req: IncomingMessage; res: ServerResponse; path: string; server: SyncServer; tokens: TokenProvider | undefined }): Promise<void> {
  const json = (status: number, body: unknown): void => {
    o.res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  if (o.req.method === 'GET' && o.path === '/health') return json(200, { ok: true, ...o.server.stats() });
  if (o.req.method === 'GET' && o.path === '/dev/token' && o.tokens !== undefined) {
    const { status, body } = await answerDevTokenRequest(o.tokens, new URL(o.req.url ?? '/', 'http://localhost').searchParams);
    return json(status, body);
  }
  json(404, { error: 'not found' });
}

const definedUserLimit = (max: number | undefined): { maxSessionsPerUser?: number } => (max === undefined ? {} : { maxSessionsPerUser: max });

function defined<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}

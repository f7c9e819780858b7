/**
 * The Node adapter: `http` + `ws` + better-sqlite3 around the runtime-free
 * core. It only wraps sockets and SQL; every protocol rule lives in the core.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { RawData, WebSocket } from 'ws';
import { TRANSPORT_MAX_BYTES } from '../../protocol/index.js';
import { DEV_SECRET, answerDevTokenRequest, createSyncServer, createTokenProvider } from '../core/index.js';
import type { CompactionResult, Log, ProfileSource, SyncLimits, SyncServer, TokenProvider } from '../core/index.js';
import { createSqliteStorage, openDatabase } from './sqlite-storage.js';
import { deferCheckpoints } from './deferred-checkpoints.js';
import { createCompactionLoop } from './compaction-loop.js';
import { answerFile, createNodeFiles, startFileCollection } from './node-files.js';
import type { FileServer } from '../core/index.js';
import type { Durability } from './sqlite-storage.js';

/** Used when no secret is given. Anyone can mint tokens with it: development only. */
export { DEV_SECRET };

export interface NodeServerOptions {
  /** 0 picks a free port. */
  readonly port: number;
  readonly host?: string;
  readonly dbPath: string;
  /** HMAC secret for tokens. Without one the server runs in insecure dev mode (DEV_SECRET, GET /dev/token). */
  readonly secret?: string;
  readonly truancyMs?: number;
  readonly log?: Log;
  readonly now?: () => number;
  readonly durability?: Durability;
  /** Compact every library this often (ms); 0 turns the timer off. Default one minute. */
  readonly compactIntervalMs?: number;
  readonly limits?: Partial<SyncLimits>;
  /** Read-only profiles for presence, by the token's user id (see SyncServerOptions.profiles). */
  readonly profiles?: ProfileSource;
  /** How long a disconnected replica stays in presence. Default 5000 ms. */
  readonly presenceGraceMs?: number;
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
}

export interface NodeServer {
  /** `ws://host:port/parties/trellis`; clients connect to `${url}/${library}?token=…`. */
  readonly url: string;
  readonly port: number;
  readonly server: SyncServer;
  readonly tokens: TokenProvider;
  close(): Promise<void>;
  evict(library: string): void;
  /** One compaction step per library (see SyncServer.compact); the server runs the rest by itself, between other events. */
  compact(library?: string): CompactionResult[];
  /** files: deletes files unreferenced for longer than the grace period (it also runs on the compaction interval). */
  collectFiles(library?: string): Promise<{ library: string; deleted: string[] }[]>;
}

const PARTY_PATH = /^\/parties\/([^/]+)\/([^/]+)\/?$/;

export async function createNodeServer(options: NodeServerOptions): Promise<NodeServer> {
  const log = options.log ?? (() => {});
  const host = options.host ?? '127.0.0.1';
  if (options.secret === undefined) log('warn', 'server.insecure', { message: 'No secret given: using the public development secret and serving GET /dev/token. Never do this in production.' });
  const tokens = createTokenProvider({ secret: options.secret ?? DEV_SECRET, ...(options.now ? { now: options.now } : {}) });
  const db = openDatabase(options.dbPath, options.durability);
  const checkpoints = deferCheckpoints(db, { log });
  // The server's own compact, called only once the server exists (a deferred slice runs after a frame, never during creation).
  const compaction = createCompactionLoop({ compact: (library) => server.compact(library), log });
  const server = createSyncServer({ sql: createSqliteStorage(db), now: options.now ?? Date.now, verifyToken: tokens.verify, log, deferCompaction: compaction.defer, ...pick(options) });
  const wss = new WebSocketServer({ noServer: true, maxPayload: TRANSPORT_MAX_BYTES });
  const devTokens = options.secret === undefined ? tokens : undefined;
  const files = nodeFiles({ options, db, verifyToken: tokens.verify, log });
  const http = createServer((req, res) => {
    (answerFile(files, req, res) ?? answerHttp({ req, res, server, tokens: devTokens })).catch((err: unknown) => {
      log('error', 'http.failed', { message: String(err) });
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  const presence = presenceTimer({ server, now: options.now ?? Date.now, log });
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
    upgrade({ req, socket, head, wss, server, log, closed: presence.schedule, handled: checkpoints.afterFrame }),
  );
  await listen(http, { port: options.port, host }).catch((err: unknown) => {
    db.close();
    throw err;
  });
  http.on('error', (err) => log('error', 'http.error', { message: err.message }));
  const port = (http.address() as AddressInfo).port;
  const url = `ws://${host.includes(':') ? `[${host}]` : host}:${port}/parties/trellis`;
  compaction.start(options.compactIntervalMs ?? 60_000);
  const fileTimer = files && startFileCollection({ files, log, intervalMs: options.compactIntervalMs ?? 60_000 });
  log('info', 'server.listening', { url, port, dbPath: options.dbPath });
  const close = async (): Promise<void> => {
    compaction.stop();
    clearInterval(fileTimer);
    presence.stop();
    checkpoints.stop();
    server.close();
    await closeSockets(wss);
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
    db.close();
    log('info', 'server.closed', { url });
  };
  const collectFiles = async (library?: string) => (files === undefined ? [] : files.collect(library));
  // files: an evicted library's files start their grace now; later collections finish them.
  const evict = (library: string): void => {
    server.evict(library);
    collectFiles(library).catch((err: unknown) => log('error', 'files.collection-failed', { library, message: String(err) }));
  };
  return { url, port, server, tokens, close, evict, compact: compaction.step, collectFiles };
}

function nodeFiles(o: { options: NodeServerOptions; db: Parameters<typeof createSqliteStorage>[0]; verifyToken: TokenProvider['verify']; log: Log }): FileServer | undefined {
  const { filesDir, maxFileSize, fileGraceMs, maxUploads, maxUploadsPerUser, now } = o.options;
  if (filesDir === undefined) return undefined;
  const limits = Object.fromEntries(
    Object.entries({ maxFileSize, graceMs: fileGraceMs, maxUploads, maxUploadsPerUser }).filter(([, value]) => value !== undefined),
  );
  return createNodeFiles({ dir: filesDir, sql: createSqliteStorage(o.db), now: now ?? Date.now, verifyToken: o.verifyToken, log: o.log, ...limits });
}

function listen(http: Server, o: { port: number; host: string }): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(o.port, o.host, () => {
      http.off('error', reject);
      resolve();
    });
  });
}

/** `/parties/<party>/<library>?token=…` becomes a connection; anything else is answered 404. */
function upgrade(o: {
  req: IncomingMessage;
  socket: Duplex;
  head: Buffer;
  wss: WebSocketServer;
  server: SyncServer;
  log: Log;
  closed: () => void;
  handled: () => void;
}): void {
  const url = new URL(o.req.url ?? '/', 'http://localhost');
  const match = PARTY_PATH.exec(url.pathname);
  let library: string | undefined;
  try {
    library = match === null ? undefined : decodeURIComponent(match[2] as string);
  } catch {
    library = undefined;
  }
  if (library === undefined) return void o.socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  const token = url.searchParams.get('token');
  o.wss.handleUpgrade(o.req, o.socket, o.head, (ws) => attach({ ws, server: o.server, log: o.log, library, token, closed: o.closed, handled: o.handled }));
}

function pick(o: NodeServerOptions): Pick<NodeServerOptions, 'truancyMs' | 'limits' | 'profiles' | 'presenceGraceMs'> {
  const { truancyMs, limits, profiles, presenceGraceMs } = o;
  return Object.fromEntries(Object.entries({ truancyMs, limits, profiles, presenceGraceMs }).filter(([, value]) => value !== undefined));
}

/** `handled` runs after each frame (deferred WAL checkpoints); `closed` after the socket closed (presence). */
function attach(o: { ws: WebSocket; server: SyncServer; log: Log; library: string; token: string | null; closed: () => void; handled: () => void }): void {
  const { ws } = o;
  let sentBytes = 0;
  const conn = o.server.connect(
    {
      send: (frame) => {
        if (ws.readyState !== ws.OPEN) return;
        // Encoded here (ws would do it anyway) so that sentBytes counts exactly what bufferedAmount counts.
        const bytes = Buffer.from(frame, 'utf8');
        sentBytes += bytes.length;
        ws.send(bytes, { binary: false });
      },
      // A socket closed for its send queue keeps that queue until the peer reads it or ws's close timeout (30 s) ends.
      close: (code, reason) => ws.close(code, reason.slice(0, 120)),
      sendQueue: () => ({ sentBytes, bufferedBytes: ws.bufferedAmount }),
    },
    { library: o.library, token: o.token },
  );
  ws.on('message', (data: RawData, isBinary: boolean) => {
    conn.receive(isBinary ? new Uint8Array(toBuffer(data)) : toBuffer(data).toString('utf8'));
    o.handled();
  });
  ws.on('close', () => {
    conn.closed();
    o.closed();
  });
  // ws reports frames over maxPayload (and bad UTF-8) here, then closes with 1009 / 1007 by itself.
  ws.on('error', (err) => o.log('warn', 'socket.error', { library: o.library, message: err.message }));
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

async function answerHttp(o: { req: IncomingMessage; res: ServerResponse; server: SyncServer; tokens: TokenProvider | undefined }): Promise<void> {
  const url = new URL(o.req.url ?? '/', 'http://localhost');
  const json = (status: number, body: unknown): void => {
    o.res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  if (o.req.method === 'GET' && url.pathname === '/health') return json(200, { ok: true, ...o.server.stats() });
  if (o.req.method === 'GET' && url.pathname === '/dev/token' && o.tokens !== undefined) {
    const { status, body } = await answerDevTokenRequest(o.tokens, url.searchParams);
    return json(status, body);
  }
  json(404, { error: 'not found' });
}

/** Ends presence graces on time: one timer, at the earliest grace end, set after each socket closes. */
function presenceTimer(o: { server: SyncServer; now: () => number; log: Log }) {
  let timer: NodeJS.Timeout | undefined;
  let at = Number.POSITIVE_INFINITY;
  const schedule = (): void => {
    const next = o.server.nextPresenceExpiry();
    if (next === undefined || next >= at) return;
    clearTimeout(timer);
    at = next;
    timer = setTimeout(() => {
      at = Number.POSITIVE_INFINITY;
      try {
        o.server.expirePresence();
      } catch (err) {
        o.log('error', 'presence.expiry-failed', { message: String(err) });
      }
      schedule();
    }, Math.max(0, next - o.now())).unref();
  };
  return { schedule, stop: () => clearTimeout(timer) };
}

/** Waits for the close handshakes the core started, then drops whatever is left. */
async function closeSockets(wss: WebSocketServer): Promise<void> {
  const pending = [...wss.clients].map((ws) => new Promise<void>((resolve) => (ws.readyState === ws.CLOSED ? resolve() : ws.once('close', () => resolve()))));
  await Promise.race([Promise.all(pending), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
  for (const ws of wss.clients) ws.terminate();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
}

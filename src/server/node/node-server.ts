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
import type { CompactionResult, Log, SyncLimits, SyncServer, TokenProvider } from '../core/index.js';
import { createSqliteStorage, openDatabase } from './sqlite-storage.js';
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
}

export interface NodeServer {
  /** `ws://host:port/parties/trellis`; clients connect to `${url}/${library}?token=…`. */
  readonly url: string;
  readonly port: number;
  readonly server: SyncServer;
  readonly tokens: TokenProvider;
  close(): Promise<void>;
  evict(library: string): void;
  compact(library?: string): CompactionResult[];
}

const PARTY_PATH = /^\/parties\/([^/]+)\/([^/]+)\/?$/;

export async function createNodeServer(options: NodeServerOptions): Promise<NodeServer> {
  const log = options.log ?? (() => {});
  const host = options.host ?? '127.0.0.1';
  if (options.secret === undefined) log('warn', 'server.insecure', { message: 'No secret given: using the public development secret and serving GET /dev/token. Never do this in production.' });
  const tokens = createTokenProvider({ secret: options.secret ?? DEV_SECRET, ...(options.now ? { now: options.now } : {}) });
  const db = openDatabase(options.dbPath, options.durability);
  const server = createSyncServer({ sql: createSqliteStorage(db), now: options.now ?? Date.now, verifyToken: tokens.verify, log, ...pick(options) });
  const wss = new WebSocketServer({ noServer: true, maxPayload: TRANSPORT_MAX_BYTES });
  const devTokens = options.secret === undefined ? tokens : undefined;
  const http = createServer((req, res) => {
    answerHttp({ req, res, server, tokens: devTokens }).catch((err: unknown) => {
      log('error', 'http.failed', { message: String(err) });
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => upgrade({ req, socket, head, wss, server, log }));
  await listen(http, { port: options.port, host }).catch((err: unknown) => {
    db.close();
    throw err;
  });
  http.on('error', (err) => log('error', 'http.error', { message: err.message }));
  const port = (http.address() as AddressInfo).port;
  const url = `ws://${host.includes(':') ? `[${host}]` : host}:${port}/parties/trellis`;
  const timer = startCompaction({ server, log, intervalMs: options.compactIntervalMs ?? 60_000 });
  log('info', 'server.listening', { url, port, dbPath: options.dbPath });
  const close = async (): Promise<void> => {
    if (timer !== undefined) clearInterval(timer);
    server.close();
    await closeSockets(wss);
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
    db.close();
    log('info', 'server.closed', { url });
  };
  return { url, port, server, tokens, close, evict: server.evict, compact: server.compact };
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
function upgrade(o: { req: IncomingMessage; socket: Duplex; head: Buffer; wss: WebSocketServer; server: SyncServer; log: Log }): void {
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
  o.wss.handleUpgrade(o.req, o.socket, o.head, (ws) => attach({ ws, server: o.server, log: o.log, library, token }));
}

function pick(o: NodeServerOptions): { truancyMs?: number; limits?: Partial<SyncLimits> } {
  return { ...(o.truancyMs === undefined ? {} : { truancyMs: o.truancyMs }), ...(o.limits === undefined ? {} : { limits: o.limits }) };
}

function attach(o: { ws: WebSocket; server: SyncServer; log: Log; library: string; token: string | null }): void {
  const { ws } = o;
  const conn = o.server.connect(
    {
      send: (frame) => {
        if (ws.readyState === ws.OPEN) ws.send(frame);
      },
      close: (code, reason) => ws.close(code, reason.slice(0, 120)),
    },
    { library: o.library, token: o.token },
  );
  ws.on('message', (data: RawData, isBinary: boolean) => conn.receive(isBinary ? new Uint8Array(toBuffer(data)) : toBuffer(data).toString('utf8')));
  ws.on('close', () => conn.closed());
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

function startCompaction(o: { server: SyncServer; log: Log; intervalMs: number }): NodeJS.Timeout | undefined {
  if (o.intervalMs <= 0) return undefined;
  const timer = setInterval(() => {
    try {
      o.server.compact();
    } catch (err) {
      o.log('error', 'compaction.failed', { message: String(err) });
    }
  }, o.intervalMs);
  return timer.unref();
}

/** Waits for the close handshakes the core started, then drops whatever is left. */
async function closeSockets(wss: WebSocketServer): Promise<void> {
  const pending = [...wss.clients].map((ws) => new Promise<void>((resolve) => (ws.readyState === ws.CLOSED ? resolve() : ws.once('close', () => resolve()))));
  await Promise.race([Promise.all(pending), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
  for (const ws of wss.clients) ws.terminate();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
}

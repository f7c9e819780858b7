/**
 * The Node adapter on a server of its own: createTrellisHandler (`ws` +
 * better-sqlite3 around the runtime-free core) mounted at the root of a
 * fresh `http` server, plus `/health` and dev tokens at the root. Every
 * protocol rule lives in the core; mounting lives in trellis-handler.ts.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEV_SECRET } from '../core/index.js';
import type { CompactionResult, EvictOptions, SyncServer, TokenProvider } from '../core/index.js';
import { answerHttp, createTrellisHandler } from './trellis-handler.js';
import type { TrellisHandlerOptions } from './trellis-handler.js';
import { advertise } from './admin-advert.js';

/** Used when no secret is given. Anyone can mint tokens with it: development only. */
export { DEV_SECRET };

export interface NodeServerOptions extends Omit<TrellisHandlerOptions, 'basePath'> {
  /** 0 picks a free port. */
  readonly port: number;
  readonly host?: string;
}

export interface NodeServer {
  /** `ws://host:port/parties/trellis`; clients connect to `${url}/${library}?token=…`. */
  readonly url: string;
  readonly port: number;
  readonly server: SyncServer;
  readonly tokens: TokenProvider;
  close(): Promise<void>;
  /** Drop a library's rows and close its sockets with LIBRARY_EVICTED; `revokeTokens` also refuses every token for it issued until now. */
  evict(library: string, options?: EvictOptions): void;
  /** One compaction step per library (see SyncServer.compact); the server runs the rest by itself, between other events. */
  compact(library?: string): CompactionResult[];
  /** files: deletes files unreferenced for longer than the grace period (it also runs on the compaction interval). */
  collectFiles(library?: string): Promise<{ library: string; deleted: string[] }[]>;
}

export async function createNodeServer(options: NodeServerOptions): Promise<NodeServer> {
  const { port: wantedPort, host: wantedHost, ...handlerOptions } = options;
  const log = options.log ?? (() => {});
  const host = wantedHost ?? '127.0.0.1';
  const handler = createTrellisHandler(handlerOptions);
  const devTokens = options.secret === undefined ? handler.tokens : undefined;
  const http = createServer((req, res) => {
    if (handler.request(req, res)) return;
    // The root keeps /health and /dev/token (the handler answers them under its base path too).
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    answerHttp({ req, res, path, server: handler.server, tokens: devTokens }).catch((err: unknown) => {
      log('error', 'http.failed', { message: String(err) });
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  http.on('upgrade', (req, socket, head) => {
    if (!handler.upgrade(req, socket, head)) socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  await listen(http, { port: wantedPort, host }).catch(async (err: unknown) => {
    await handler.close();
    throw err;
  });
  http.on('error', (err) => log('error', 'http.error', { message: err.message }));
  const port = (http.address() as AddressInfo).port;
  const authority = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const url = `ws://${authority}/parties/trellis`;
  // `trellis-server inspect|evict|compact` on the same database file finds this server here (cli-admin.ts).
  const advert = advertise({ dbPath: options.dbPath, url: `http://${localAuthority(host, port)}/parties/trellis`, log });
  log('info', 'server.listening', { url, port, dbPath: options.dbPath });
  const close = async (): Promise<void> => {
    advert.remove();
    await handler.close();
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
    log('info', 'server.closed', { url });
  };
  return { url, port, server: handler.server, tokens: handler.tokens, close, evict: handler.evict, compact: handler.compact, collectFiles: handler.collectFiles };
}

/** Where a process on this machine reaches the server: a wildcard address is reached on loopback. */
function localAuthority(host: string, port: number): string {
  if (host === '0.0.0.0' || host === '') return `127.0.0.1:${port}`;
  if (host === '::') return `[::1]:${port}`;
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
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

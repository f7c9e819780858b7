/**
 * A small HTTP proxy on 127.0.0.1 in front of a test server, as a corporate
 * proxy sits in front of a real one: it forwards requests, and forwards
 * WebSocket upgrades or refuses them (403) while `blockUpgrades` is set. Its
 * target can change (a server restarted on another port), and its clients
 * keep its URL.
 */
import { createServer, request } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { onTestFinished } from 'vitest';

export interface UpgradeProxy {
  /** `http://127.0.0.1:<port>`; the sync URL is `ws://127.0.0.1:<port>/parties/trellis`. */
  readonly origin: string;
  readonly url: string;
  blockUpgrades: boolean;
  /** Upgrades refused so far. */
  readonly refused: number;
  /** Where requests go from now on (an origin, `http://127.0.0.1:<port>`). */
  target: string;
  close(): Promise<void>;
}

export async function startUpgradeProxy(o: { target: string; blockUpgrades: boolean }): Promise<UpgradeProxy> {
  const sockets = new Set<Duplex>();
  let refused = 0;
  const state = { target: o.target, blockUpgrades: o.blockUpgrades };
  const http = createServer((req, res) => {
    const target = new URL(state.target);
    const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end('upstream unreachable')));
    // A client that leaves (a long poll cut) cuts its upstream request too.
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  http.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (state.blockUpgrades) {
      refused++;
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const target = new URL(state.target);
    const upstream = connect(Number(target.port), target.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`, ...Object.entries(req.headers).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : v}`)];
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    sockets.add(upstream);
    const end = () => (upstream.destroy(), socket.destroy());
    upstream.on('error', end).on('close', end);
    socket.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as { port: number }).port;
  const close = async (): Promise<void> => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  };
  onTestFinished(close);
  return {
    origin: `http://127.0.0.1:${port}`,
    url: `ws://127.0.0.1:${port}/parties/trellis`,
    get blockUpgrades() {
      return state.blockUpgrades;
    },
    set blockUpgrades(value: boolean) {
      state.blockUpgrades = value;
    },
    get refused() {
      return refused;
    },
    get target() {
      return state.target;
    },
    set target(value: string) {
      state.target = value;
    },
    close,
  };
}

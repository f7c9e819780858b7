/**
 * The limits of network figures: plain `ws` servers on 127.0.0.1 that move the
 * same bytes as Trellis with nothing else (no decoding, no SQL, no state).
 *
 * - `startRelay`: every frame a socket sends goes to every other socket; with
 *   `ack`, the sender then gets a 1-byte frame, so it can pace itself on its
 *   acks as a Trellis writer paces on `ack`.
 * - `startFrameServer`: sends fixed frames to each connecting socket, then
 *   `done` (the transfer part of a late join).
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface RawServer {
  /** `ws://127.0.0.1:<port>` */
  readonly url: string;
  readonly connections: () => number;
  close(): Promise<void>;
}

async function listen(wss: WebSocketServer): Promise<string> {
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  return `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
}

function closer(wss: WebSocketServer): () => Promise<void> {
  return async () => {
    for (const ws of wss.clients) ws.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  };
}

export async function startRelay(options: { ack?: boolean } = {}): Promise<RawServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  wss.on('connection', (ws: WebSocket) => {
    ws.on('message', (data, isBinary) => {
      for (const other of wss.clients) if (other !== ws) other.send(data, { binary: isBinary });
      if (options.ack) ws.send('a');
    });
  });
  return { url: await listen(wss), connections: () => wss.clients.size, close: closer(wss) };
}

export async function startFrameServer(frames: readonly string[]): Promise<RawServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  wss.on('connection', (ws: WebSocket) => {
    for (const frame of frames) ws.send(frame);
    ws.send('done');
  });
  return { url: await listen(wss), connections: () => wss.clients.size, close: closer(wss) };
}

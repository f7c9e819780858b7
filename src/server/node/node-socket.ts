/** One `ws` socket as the core's ServerSocket, and the socket set's shutdown. */
import type { RawData, WebSocket, WebSocketServer } from 'ws';
import type { Log, SyncServer } from '../core/index.js';

/** `handled` runs after each frame (deferred WAL checkpoints); `closed` after the socket closed (presence). */
export function attachSocket(o: { ws: WebSocket; server: SyncServer; log: Log; library: string; token: string | null; closed: () => void; handled: () => void }): void {
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

/** Waits for the close handshakes the core started, then drops whatever is left. */
export async function closeSockets(wss: WebSocketServer): Promise<void> {
  const pending = [...wss.clients].map((ws) => new Promise<void>((resolve) => (ws.readyState === ws.CLOSED ? resolve() : ws.once('close', () => resolve()))));
  await Promise.race([Promise.all(pending), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
  for (const ws of wss.clients) ws.terminate();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
}

/** Ends presence graces on time: one timer, at the earliest grace end, set after each socket closes. */
export function presenceTimer(o: { server: SyncServer; now: () => number; log: Log }) {
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

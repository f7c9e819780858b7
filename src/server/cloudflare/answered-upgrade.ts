/**
 * WebSocket upgrades answered without keeping the socket. A hibernatable
 * socket that the server closes before the client sent anything lingers
 * until its object is evicted (workerd), so a connection refused at the
 * upgrade (bad token, revoked token, connection limit) is answered on a
 * plain WebSocketPair instead: the frames, then the close.
 */
import type { ServerSocket } from '../core/index.js';

export function answeredUpgrade(answer: (socket: ServerSocket) => void): Response {
  const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
  server.accept();
  answer({ send: (frame) => server.send(frame), close: (code, reason) => server.close(code, reason) });
  return new Response(null, { status: 101, webSocket: client });
}

/**
 * A socket for the core before the real one exists: it keeps what is sent
 * (and a close) until `attach`, then forwards everything.
 */
export function relaySocket() {
  const frames: string[] = [];
  let close: { code: number; reason: string } | undefined;
  let target: ServerSocket | undefined;
  const replay = (to: ServerSocket): void => {
    for (const frame of frames.splice(0)) to.send(frame);
    if (close !== undefined) to.close(close.code, close.reason);
  };
  return {
    socket: {
      send: (frame) => (target === undefined ? void frames.push(frame) : target.send(frame)),
      close: (code, reason) => (target === undefined ? void (close ??= { code, reason }) : target.close(code, reason)),
    } satisfies ServerSocket,
    /** True once the core closed it. */
    closed: () => close !== undefined,
    replay,
    attach: (to: ServerSocket): void => {
      target = to;
      replay(to);
    },
  };
}

/** The `?token=` of an upgrade request. */
export function tokenOf(request: Request): string | null {
  return new URL(request.url).searchParams.get('token');
}

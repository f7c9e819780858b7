/** Sending to sockets and closing them. A failing socket is closed and logged; it never affects another. */
import { ErrorCode, TrellisError } from '../../core/index.js';
import { CloseCode, encodeMessage } from '../../protocol/index.js';
import type { ServerMessage } from '../../protocol/index.js';
import type { ConnectionState, Refusal } from './context.js';
import { leavePresence } from './presence-members.js';
import { touchReplica } from './replicas.js';

export function send(conn: ConnectionState, message: ServerMessage): void {
  sendFrame(conn, encodeMessage(message));
}

export function sendFrame(conn: ConnectionState, frame: string): void {
  if (conn.phase === 'closed') return;
  try {
    conn.socket.send(frame);
  } catch (err) {
    conn.ctx.log('warn', 'socket.send-failed', { connection: conn.id, library: conn.library, message: String(err) });
    closeConnection(conn, { code: CloseCode.INTERNAL_ERROR, reason: 'send failed' });
    return;
  }
  const queued = liveQueuedBytes(conn);
  if (queued > conn.ctx.limits.maxSocketQueueBytes) closeStalled(conn, queued);
}

/**
 * Runs `send`, the catch-up or snapshot a connection gets on connecting, written
 * in one go (no write may interleave): its bytes do not count against the send
 * queue bound, whatever is still queued of them. A healthy late joiner of a big
 * library reads them at its own pace; a client that reads nothing holds at most
 * them plus the bound.
 */
export function sendBurst(conn: ConnectionState, send: () => void): void {
  conn.burstEnd = Number.POSITIVE_INFINITY;
  try {
    send();
  } finally {
    conn.burstEnd = conn.socket.sendQueue?.().sentBytes ?? 0;
  }
}

/**
 * Bytes still queued to the socket that were sent after its burst. The queue is
 * first in, first out: of `buffered` bytes, at most `sent - burstEnd` are newer
 * than the burst. 0 where the runtime reports no queue.
 */
function liveQueuedBytes(conn: ConnectionState): number {
  const queue = conn.socket.sendQueue?.();
  if (queue === undefined) return 0;
  return Math.min(queue.bufferedBytes, queue.sentBytes - (conn.burstEnd ?? 0));
}

/** The client does not read: tell it (the frame waits behind the rest) and close; it reconnects and catches up from its cursor. */
function closeStalled(conn: ConnectionState, queued: number): void {
  const limit = conn.ctx.limits.maxSocketQueueBytes;
  conn.ctx.log('warn', 'socket.queue-full', { connection: conn.id, library: conn.library, replicaId: conn.replicaId, queued, limit });
  const message = `This connection has more than ${limit} bytes waiting to be sent: it does not read. Reconnect; you catch up from your cursor.`;
  try {
    // Straight to the socket: sendFrame would measure the queue again.
    conn.socket.send(encodeMessage({ type: 'error', code: ErrorCode.SERVER_LIMIT_EXCEEDED, message, details: { limit: 'socketQueueBytes', max: limit } }));
  } catch {
    // Closed below either way.
  }
  closeConnection(conn, { code: CloseCode.TRY_AGAIN_LATER, reason: 'send queue full' });
}

/** The `error` frame of a refusal, then the close it asks for. */
export function sendRefusal(conn: ConnectionState, refusal: Refusal): void {
  const { code, message, details } = refusal.error;
  send(conn, Object.keys(details).length === 0 ? { type: 'error', code, message } : { type: 'error', code, message, details });
  if (refusal.close !== undefined) closeConnection(conn, { code: refusal.close, reason: code });
}

export function refuse(
  code: ErrorCode,
  message: string,
  options: { details?: Record<string, unknown>; close?: Refusal['close'] } = {},
): Refusal {
  const error = new TrellisError(code, message, options.details === undefined ? {} : { details: options.details });
  return options.close === undefined ? { error } : { error, close: options.close };
}

/** Close from the server side. The adapter's later `closed()` is then a no-op. */
export function closeConnection(conn: ConnectionState, close: { code: number; reason: string }): void {
  if (conn.phase === 'closed') return;
  detach(conn);
  try {
    conn.socket.close(close.code, close.reason);
  } catch (err) {
    conn.ctx.log('warn', 'socket.close-failed', { connection: conn.id, message: String(err) });
  }
}

/**
 * Forget the connection: refresh its replica's last_seen if it was live (a
 * connected replica is never truant), release a seed it held.
 */
export function detach(conn: ConnectionState): void {
  if (conn.phase === 'closed') return;
  const { ctx } = conn;
  const wasLive = conn.phase === 'live';
  conn.phase = 'closed';
  if (wasLive && conn.replicaId !== undefined) {
    try {
      touchReplica(ctx.sql, { library: conn.library, replica: conn.replicaId, now: ctx.now() });
    } catch (err) {
      ctx.log('error', 'replica.touch-failed', { library: conn.library, replicaId: conn.replicaId, message: String(err) });
    }
  }
  leavePresence(conn);
  conn.seed = undefined;
  conn.queue.length = 0;
  if (ctx.seeding.get(conn.library) === conn) ctx.seeding.delete(conn.library);
  const peers = ctx.connections.get(conn.library);
  peers?.delete(conn);
  if (peers?.size === 0) ctx.connections.delete(conn.library);
  ctx.log('info', 'connection.closed', { connection: conn.id, library: conn.library, replicaId: conn.replicaId });
}

/** True (after closing the socket) when the connection's token has expired. */
export function closeIfExpired(conn: ConnectionState): boolean {
  if (conn.claims === undefined || conn.claims.exp * 1000 > conn.ctx.now()) return false;
  sendRefusal(conn, refuse(ErrorCode.AUTH_TOKEN_EXPIRED, 'The token has expired; reconnect with a fresh token.', { close: CloseCode.AUTH_EXPIRED }));
  return true;
}

export function unexpected(message: string): Refusal {
  return refuse(ErrorCode.PROTOCOL_UNEXPECTED_MESSAGE, message);
}

export function internalError(): Refusal {
  return refuse(ErrorCode.SERVER_INTERNAL, 'The server failed; retry later.', { close: CloseCode.INTERNAL_ERROR });
}

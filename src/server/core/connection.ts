/**
 * One socket's life: verify the token (maybe asynchronously, queueing frames
 * in order), then decode every frame first and dispatch it. Handlers return
 * refusals; anything they throw that is not a TrellisError becomes
 * SERVER_INTERNAL without internals, and only this socket is closed.
 */
import { ErrorCode, TrellisError, isTrellisError, unexpectedCase } from '../../core/index.js';
import { CloseCode, decodeClientMessage, utf8Length } from '../../protocol/index.js';
import type { ClientMessage, Frame } from '../../protocol/index.js';
import type { ConnectionState, Outcome, ServerContext } from './context.js';
import { gate } from './gate.js';
import { onCursor } from './on-cursor.js';
import { onHello } from './on-hello.js';
import { onJoin } from './on-join.js';
import { onPresence } from './on-presence.js';
import { onPush } from './on-push.js';
import { onSeed } from './on-seed.js';
import { admissionRefusal, frameSizeError, rateRefusal } from './admission.js';
import { revocationRefusal } from './revocations.js';
import { adminCannotSync, authCloseCode, missingToken, wrongLibrary } from './authorize.js';
import { closeConnection, closeIfExpired, detach, internalError, sendRefusal } from './outbox.js';
import { restorePresence } from './presence.js';
import { touchReplica } from './replicas.js';
import { connectionState, saveConnection } from './saved-connection.js';
import type { SavedConnection } from './saved-connection.js';
import type { Claims, ConnectOptions, Connection, ReplicateOptions, ServerSocket } from './types.js';
import { isPeerMessageType } from '../../protocol/peer-codec.js';
import { createPeerLink, greet, isResumable } from './peer-link.js';
import { onPeerFrame, replicaCannotReplicate, typeOf } from './peer-receive.js';

/** Frames held while the token is verified; a client should send hello and wait. */
const MAX_QUEUED_FRAMES = 64;

export function connect(ctx: ServerContext, options: ConnectOptions & { socket: ServerSocket }): Connection {
  const conn = register(connectionState(ctx, { socket: options.socket, library: options.library }));
  ctx.log('info', 'connection.opened', { connection: conn.id, library: conn.library });
  if (options.claims === undefined) verify(conn, options.token);
  else admit(conn, options.claims);
  return handle(conn);
}

/**
 * A socket that stayed open while its server was recreated (Durable Object
 * hibernation), in the state `save()` returned. Sends nothing, except that a
 * connection restored mid-verification or mid-seed (neither is saved) is
 * closed with GOING_AWAY: the client reconnects and starts over.
 */
export function restore(ctx: ServerContext, options: { socket: ServerSocket; saved: SavedConnection }): Connection {
  const { saved } = options;
  const conn = register(connectionState(ctx, { socket: options.socket, library: saved.library, saved }));
  if (conn.phase === 'live' && saved.presence != null) restorePresence(conn, saved.presence);
  ctx.log('info', 'connection.restored', { connection: conn.id, library: conn.library, replicaId: conn.replicaId, phase: conn.phase });
  if (conn.phase === 'verifying' || conn.phase === 'seeding') {
    closeConnection(conn, { code: CloseCode.GOING_AWAY, reason: `server restarted while ${conn.phase}` });
  } else if (conn.phase === 'peering' && (conn.peer === undefined || !isResumable(conn.peer))) {
    // A peer link saved mid-vector (or before peer links were saved): the dialing server redials and exchanges again.
    closeConnection(conn, { code: CloseCode.GOING_AWAY, reason: 'server restarted during the peer exchange' });
  }
  return handle(conn);
}

function register(conn: ConnectionState): ConnectionState {
  if (conn.phase === 'closed') return conn;
  const peers = conn.ctx.connections.get(conn.library) ?? new Set();
  conn.ctx.connections.set(conn.library, peers.add(conn));
  return conn;
}

function handle(conn: ConnectionState): Connection {
  return {
    receive: (frame) => receive(conn, frame),
    closed: () => guarded(conn, () => detach(conn)),
    save: () => saveConnection(conn),
  };
}

function verify(conn: ConnectionState, token: string | null | undefined): void {
  if (token === undefined || token === null || token === '') {
    reject(conn, missingToken());
    return;
  }
  try {
    const claims = conn.ctx.verifyToken(token);
    if (isPromiseLike(claims)) claims.then((c) => admit(conn, c), (err: unknown) => reject(conn, err));
    else admit(conn, claims);
  } catch (err) {
    reject(conn, err);
  }
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

function admit(conn: ConnectionState, claims: Claims): void {
  guarded(conn, () => {
    if (conn.phase !== 'verifying') return;
    if (claims.role === 'admin') {
      // Admin tokens administer over HTTP (admin-api.ts); a replica's data never flows to or from one.
      sendRefusal(conn, { error: adminCannotSync(), close: CloseCode.AUTH_INVALID });
      return;
    }
    // A server token names one library, or `*` for every library it replicates.
    if (claims.library !== conn.library && !(claims.role === 'server' && claims.library === '*')) {
      sendRefusal(conn, { error: wrongLibrary(), close: CloseCode.AUTH_WRONG_LIBRARY });
      return;
    }
    conn.claims = claims;
    if (closeIfExpired(conn)) return;
    const revoked = revocationRefusal(conn.ctx.sql, { library: conn.library, claims });
    if (revoked !== undefined) {
      conn.ctx.log('warn', 'connection.unauthorized', { connection: conn.id, library: conn.library, code: revoked.error.code });
      sendRefusal(conn, revoked);
      return;
    }
    const limited = admissionRefusal(conn, claims);
    if (limited !== undefined) {
      conn.ctx.log('warn', 'connection.limited', { connection: conn.id, library: conn.library, user: claims.user, details: limited.error.details });
      sendRefusal(conn, limited);
      return;
    }
    conn.phase = 'greeting';
    if (claims.role === 'server') (conn.phase = 'peering'), (conn.peer = createPeerLink({ dialer: false }));
    conn.ctx.log('info', 'connection.authorized', { connection: conn.id, library: conn.library, user: claims.user, role: claims.role });
    for (const frame of conn.queue.splice(0)) handleFrame(conn, frame);
  });
}

function reject(conn: ConnectionState, err: unknown): void {
  guarded(conn, () => {
    if (conn.phase !== 'verifying') return;
    if (!isTrellisError(err) || !err.code.startsWith('AUTH_')) throw err;
    conn.ctx.log('warn', 'connection.unauthorized', { connection: conn.id, library: conn.library, code: err.code });
    sendRefusal(conn, { error: err, close: authCloseCode(err.code) });
  });
}

function receive(conn: ConnectionState, frame: Frame): void {
  if (conn.phase === 'closed') return;
  if (conn.phase !== 'verifying') return handleFrame(conn, frame);
  if (conn.queue.length < MAX_QUEUED_FRAMES) conn.queue.push(frame);
  else closeConnection(conn, { code: CloseCode.POLICY_VIOLATION, reason: 'too many frames before authorization' });
}

function handleFrame(conn: ConnectionState, frame: Frame): void {
  guarded(conn, () => {
    if (conn.phase === 'closed' || closeIfExpired(conn)) return;
    const limited = rateRefusal(conn);
    if (limited !== undefined) {
      conn.ctx.log('warn', 'connection.limited', { connection: conn.id, library: conn.library, details: limited.error.details });
      return sendRefusal(conn, limited);
    }
    const tooLarge = frameSizeError(conn, frame);
    if (tooLarge !== undefined) return badFrame(conn, tooLarge);
    if (conn.peer !== undefined) return peerFrame(conn, frame);
    const decoded = decodeClientMessage(frame);
    if (!decoded.ok && isPeerMessageType(typeOf(frame))) return sendRefusal(conn, replicaCannotReplicate());
    if (!decoded.ok) return badFrame(conn, decoded.error);
    // UTF-8 bytes, as maxSeedBytes is stated; counted only for seeds, the one message that uses them.
    const bytes = decoded.value.type !== 'seed' ? 0 : typeof frame === 'string' ? utf8Length(frame) : frame.byteLength;
    const frameLength = typeof frame === 'string' ? frame.length : undefined;
    const outcome = gate(conn, decoded.value.type) ?? dispatch(conn, { message: decoded.value, bytes, frameLength });
    if (outcome !== undefined) {
      conn.ctx.log('info', 'message.refused', { connection: conn.id, library: conn.library, type: decoded.value.type, code: outcome.error.code });
      sendRefusal(conn, outcome);
    }
    // Presence comes several times a second and needs no write: closing the connection refreshes last_seen too.
    if (conn.phase === 'live' && conn.replicaId !== undefined && decoded.value.type !== 'presence') touchLive(conn);
  });
}

/**
 * last_seen only decides truancy (a window of days) for replicas that are not
 * connected, and closing the connection refreshes it: one write a minute per
 * live connection is plenty. One per frame was a commit per `cursor`, which
 * every replica sends for every ops frame it receives (bench: server-fan-out).
 */
const TOUCH_EVERY_MS = 60_000;

function touchLive(conn: ConnectionState): void {
  const now = conn.ctx.now();
  if (conn.touchedAt !== undefined && now >= conn.touchedAt && now - conn.touchedAt < TOUCH_EVERY_MS) return;
  conn.touchedAt = now;
  touchReplica(conn.ctx.sql, { library: conn.library, replica: conn.replicaId as string, now });
}

/** A frame on a link with another server (peer-receive.ts); a refusal is an `error` frame, as on a replica's socket. */
function peerFrame(conn: ConnectionState, frame: Frame): void {
  const outcome = onPeerFrame(conn, frame);
  if (outcome === undefined) return;
  conn.ctx.log('info', 'message.refused', { connection: conn.id, library: conn.library, type: 'peer', code: outcome.error.code });
  if (outcome.error.code.startsWith('PROTOCOL_') && outcome.close === undefined) return badFrame(conn, outcome.error);
  sendRefusal(conn, outcome);
}

/**
 * This server dials another (peering): the adapter's client socket, already open. Authorized as
 * this server itself; greets at once (peer-link.ts).
 */
export function replicate(ctx: ServerContext, options: ReplicateOptions & { socket: ServerSocket }): Connection {
  const conn = connectionState(ctx, { socket: options.socket, library: options.library });
  conn.claims = { library: options.library, user: `trellis:server:${ctx.serverId}`, role: 'server', exp: Number.POSITIVE_INFINITY };
  conn.phase = 'peering';
  conn.peer = createPeerLink({ dialer: true, ...(options.onLibraries === undefined ? {} : { onLibraries: options.onLibraries }) });
  register(conn);
  ctx.log('info', 'replication.dialed', { connection: conn.id, library: conn.library });
  guarded(conn, () => greet(conn));
  return handle(conn);
}

function dispatch(conn: ConnectionState, o: { message: ClientMessage; bytes: number; frameLength: number | undefined }): Outcome {
  const { message } = o;
  switch (message.type) {
    case 'hello':
      return onHello(conn, message);
    case 'seed':
      return onSeed(conn, { message, bytes: o.bytes });
    case 'push':
      return onPush(conn, message, o.frameLength);
    case 'cursor':
      return onCursor(conn, message);
    case 'join':
      return onJoin(conn, message);
    case 'presence':
      return onPresence(conn, message);
    default:
      return unexpectedCase(message);
  }
}

/** An undecodable frame changes nothing; too many of them close the socket. A version mismatch closes at once. */
function badFrame(conn: ConnectionState, error: TrellisError): void {
  if (error.code === ErrorCode.PROTOCOL_VERSION_MISMATCH) {
    sendRefusal(conn, { error, close: CloseCode.VERSION_MISMATCH });
    return;
  }
  conn.badFrames++;
  conn.ctx.log('warn', 'frame.invalid', { connection: conn.id, library: conn.library, code: error.code, details: error.details });
  const tooMany = conn.badFrames > conn.ctx.limits.maxBadFrames;
  sendRefusal(conn, tooMany ? { error, close: CloseCode.POLICY_VIOLATION } : { error });
}

/** Runs `fn`; a TrellisError becomes an error frame, anything else SERVER_INTERNAL and a close. Never throws. */
function guarded(conn: ConnectionState, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    try {
      if (isTrellisError(err)) return sendRefusal(conn, { error: err });
      const stack = err instanceof Error ? err.stack : undefined;
      conn.ctx.log('error', 'server.internal', { connection: conn.id, library: conn.library, message: String(err), stack });
      sendRefusal(conn, internalError());
    } catch (fatal) {
      conn.ctx.log('error', 'server.internal', { connection: conn.id, message: String(fatal) });
    }
  }
}

/**
 * What a connection must remember when its server is recreated while the
 * socket stays open: a Durable Object that hibernates keeps its WebSockets
 * but loses its memory, and wakes with a fresh server. The adapter stores
 * `connection.save()` beside the socket (a WebSocket attachment, 2 KiB at
 * most) after every frame, and hands it to `server.restore()` on waking.
 *
 * Kept: the phase, the verified claims, the replica, the hello's localSeq
 * and protocol, the bad-frame count and the replica's presence (at most MAX_PRESENCE_BYTES
 * of state). Not kept: a seed in progress (its chunks are buffered in
 * memory) and a token still being verified; a connection restored in either
 * phase is closed with GOING_AWAY, and the client reconnects. A link with
 * another server keeps its flags (who greeted, whether the exchange ran);
 * one restored while the other's vector was still arriving is closed with
 * GOING_AWAY too, and the dialing server redials and runs the exchange again.
 */
import type { ConnectionState, ServerContext } from './context.js';
import { restorePeerLink, savePeerLink } from './peer-link.js';
import { savedPresence } from './presence-members.js';
import type { SavedConnection, ServerSocket } from './types.js';

export type { SavedConnection } from './types.js';

export function saveConnection(conn: ConnectionState): SavedConnection {
  return {
    library: conn.library,
    phase: conn.phase,
    claims: conn.claims ?? null,
    replicaId: conn.replicaId ?? null,
    localSeq: conn.localSeq,
    badFrames: conn.badFrames,
    presence: savedPresence(conn),
    ...(conn.protocol === undefined ? {} : { protocol: conn.protocol }),
    ...(conn.query === undefined ? {} : { query: conn.query }),
    ...(conn.peer === undefined ? {} : { peer: savePeerLink(conn.peer) }),
  };
}

/** A new connection state, not registered yet. */
export function connectionState(ctx: ServerContext, o: { socket: ServerSocket; library: string; saved?: SavedConnection }): ConnectionState {
  const { saved } = o;
  return {
    ctx,
    id: ctx.nextConnectionId++,
    library: o.library,
    socket: o.socket,
    phase: saved?.phase ?? 'verifying',
    claims: saved?.claims ?? undefined,
    replicaId: saved?.replicaId ?? undefined,
    localSeq: saved?.localSeq ?? 0,
    seed: undefined,
    badFrames: saved?.badFrames ?? 0,
    queue: [],
    ...(saved?.protocol === undefined ? {} : { protocol: saved.protocol }),
    ...(saved?.query === undefined ? {} : { query: saved.query }),
    ...(saved?.peer === undefined ? {} : { peer: restorePeerLink(saved.peer) }),
  };
}

/**
 * The engine's whole state, as plain data: what `step` reads and returns.
 * Two parts: the `link` (one connection's progress, replaced when a socket
 * opens or closes) and the rest, which outlives connections (the published
 * state, consent, what is known of the store's counters).
 */
import type { Baseline, Op } from '../../core/index.js';
import type { Query, ServerOp } from '../../protocol/index.js';
import type { AutoJoin, JoinReason, SyncState } from '../types.js';

/** An own op's place: (replicaId, seq). */
export interface OwnSeq {
  readonly replicaId: string;
  readonly seq: number;
}

/** One connection's progress. A frame or store result of another connection never touches it. */
export interface Link {
  readonly reason?: JoinReason;
  readonly epoch?: string;
  /** The deciding server's id (protocol 5), kept in the cursor so a peer of it can translate the cursor (failover). */
  readonly serverId?: string;
  /** A push is on the wire; the next waits for its ack. */
  readonly pushing: boolean;
  /** The server refused a push: stop pushing until the next connection. */
  readonly pushBlocked: boolean;
  /** The id this replica will have after the reset it asked for. */
  readonly joiningAs?: string;
  /** Joins on this connection refused because their id was taken (SYNC_REPLICA_ID_IN_USE). */
  readonly idsRefused?: number;
  /** Snapshot chunks received so far, kept as chunks (appending copies only this list). */
  readonly snapshot?: readonly { readonly baselines: readonly Baseline[]; readonly ops: readonly ServerOp[] }[];
  /** After an accept: the history the seed carried, and the highest own seq in it. */
  readonly seeded?: readonly Op[];
  readonly seededUpTo?: number;
  /** The server seq stored as this library's cursor (this engine is its only writer, so it need not be read back). */
  readonly cursor: number;
  /** The highest own seq the store held when this connection's hello was sent. */
  readonly localSeq?: number;
  /** The last own op pushed on this connection: every op of that replica up to it is on the wire or acknowledged. */
  readonly pushedThrough?: OwnSeq;
  /** The query this connection's hello asked for (on-query.ts). */
  readonly query?: Query;
  /** The hello said what the store held (a widened query): `snapshot` frames of a resume are the newly matching part. */
  readonly widening?: boolean;
  /** What the server said it sends (the decision's query), recorded as held once the stream is complete. */
  readonly holds?: Query;
}

export interface Session {
  readonly library: string;
  /** The meta key of this library's cursor. */
  readonly cursorKey: string;
  readonly autoJoin: AutoJoin;
  /** The replication query the app asks for (createSync's `query`, sync.setQuery). */
  readonly query: Query;
  /** What subscribers see; `step` publishes it whenever it changes. */
  readonly state: SyncState;
  /** The connection this session follows (numbered by the shell as sockets open and close); events of another are stale. */
  readonly connection: number;
  /** The socket of `connection` is open. */
  readonly open: boolean;
  readonly link: Link;
  /** Sync was stopped: nothing is sent or called any more. */
  readonly stopped: boolean;
  /** Sync may not run at all (see on-connection.ts onLocalRead): phase `error`, every event ignored. */
  readonly refused?: { readonly code: string; readonly message: string };
  /** The library this store syncs with, when it is not this session's: only a reset (with consent) may move it here. */
  readonly otherLibrary?: string;
  /** join() calls waiting: the user's consent, kept across connections until settled. */
  readonly joinWaiters: number;
  /** Who consented to the join now under way. */
  readonly consent?: 'user' | 'auto';
  /**
   * The server holds other content under this replica's (replicaId, seq) (a
   * cloned or restored profile). Kept across connections until a reset gives
   * the replica a new id: every hello meanwhile asks for a reset (cursor null).
   */
  readonly forked: boolean;
  /** The store's replica id as last read (hello) or set (reset). */
  readonly replicaId?: string;
  /** The highest own seq the store records as acknowledged, as far as this engine knows. */
  readonly acked?: OwnSeq;
  /** The first and the last own op this store instance committed (under the current replica id). */
  readonly localFirst?: OwnSeq;
  readonly localTop?: OwnSeq;
  /** The store's count of unacknowledged own ops (a live query: it may lag behind a commit). */
  readonly live: number;
  /** The cursor throttle: a timer runs, and the highest cursor waiting for it (see cursors.ts). */
  readonly cursorTimer: boolean;
  readonly cursorDue?: number;
}

/** The meta key of the library a store syncs with (not `sync:`-prefixed: a cursor key is `sync:<library>`). */
export const LIBRARY_KEY = 'syncLibrary';

/**
 * The meta key recording that this store lost a fork between servers: `{ replicaId, seq }`, its own ops from seq on
 * are at risk though acknowledged. Spelled again in store/reset.ts (FORKED_FROM), which reads it; the sync engine
 * reaches the store only through its host's meta.
 */
export const FORKED_FROM_KEY = 'syncForkedFrom';

/** The meta key of a library's cursor, `{ epoch, serverSeq }`: the engine writes it, the file uploads read its epoch. */
export const cursorKeyOf = (library: string): string => `sync:${library}`;

/** The cursor value stored under cursorKey: where this replica is in the deciding server's seq stream. */
export function cursorValue(o: { epoch: string; serverSeq: number; serverId?: string }): { epoch: string; serverSeq: number; serverId?: string } {
  return o.serverId === undefined ? { epoch: o.epoch, serverSeq: o.serverSeq } : { epoch: o.epoch, serverSeq: o.serverSeq, serverId: o.serverId };
}

export const freshLink = (): Link => ({ pushing: false, pushBlocked: false, cursor: 0 });

export function createSession(o: { library: string; autoJoin: AutoJoin; query?: Query }): Session {
  return {
    library: o.library,
    query: o.query ?? {},
    cursorKey: cursorKeyOf(o.library),
    autoJoin: o.autoJoin,
    state: { phase: 'connecting', pending: 0 },
    connection: 0,
    open: false,
    link: freshLink(),
    stopped: false,
    joinWaiters: 0,
    forked: false,
    live: 0,
    cursorTimer: false,
  };
}

export const withLink = (s: Session, patch: Partial<Link>): Session => ({ ...s, link: { ...s.link, ...patch } });

export const withState = (s: Session, patch: Partial<SyncState>): Session => ({ ...s, state: { ...s.state, ...patch } });

/** A phase change drops the previous phase's progress and join prompt. */
export function withPhase(s: Session, phase: SyncState['phase'], extra: Partial<SyncState> = {}): Session {
  const { progress: _p, joinRequired: _j, ...rest } = s.state;
  return { ...s, state: { ...rest, phase, ...extra } };
}

/**
 * How many of the own ops one store instance committed (first..top) are
 * surely unacknowledged: those past the acknowledged seq, as far as it is
 * known (only the engine acknowledges them, so an unknown one is before
 * `first`). Ops of an id the store no longer has (a reset archived them)
 * are not pending. Shared with follower tabs (tabs/tab-sync.ts).
 */
export function pendingFloor(o: { first?: OwnSeq; top?: OwnSeq; acked?: OwnSeq; replicaId?: string }): number {
  const { first, top, acked, replicaId } = o;
  if (top === undefined || first === undefined || (replicaId !== undefined && replicaId !== top.replicaId)) return 0;
  const ackedSeq = acked !== undefined && acked.replicaId === top.replicaId ? acked.seq : 0;
  return Math.max(0, top.seq - Math.max(ackedSeq, first.seq - 1));
}

/**
 * Pending as shown: the live count, but never less than the own ops this
 * instance committed past the acknowledged seq. The live query answers some
 * milliseconds after a commit; the commit itself is seen at once, so a write
 * counts as pending from the moment its put() resolves.
 */
export function withPending(s: Session): Session {
  const pending = Math.max(s.live, pendingFloor({ first: s.localFirst, top: s.localTop, acked: s.acked, replicaId: s.replicaId }));
  return pending === s.state.pending ? s : withState(s, { pending });
}

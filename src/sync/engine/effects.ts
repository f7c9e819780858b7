/**
 * What a step asks the shell to do. The shell runs a step's effects in order;
 * a store call, when there is one, comes last, and its result comes back as
 * the next event (`stored` or `store-failed`) before any other frame is
 * handled, so its effect is durable before the engine goes on.
 */
import type { Baseline, Op } from '../../core/index.js';
import type { ClientMessage, Cursor, DecisionMessage, Query, RejectMessage } from '../../protocol/index.js';
import type { SequencedOp, Snapshot } from '../../store/index.js';
import type { JoinReason, Rejection, SyncState } from '../types.js';

/** The store calls the engine makes, each with what it continues with. */
export type StoreCall =
  /** Boot: the store's acknowledged seq (for pending) and the library this store syncs with. */
  | { readonly kind: 'read-local' }
  /** What a hello says. */
  | { readonly kind: 'read-hello' }
  | { readonly kind: 'export-history' }
  /**
   * The store's own op at `seq`, to compare with the server's hash of its op there: the fork check on resume, or
   * (with `decision`) the check of a fork between servers before that decision is followed.
   */
  | { readonly kind: 'read-own-op'; readonly seq: number; readonly hash: string; readonly decision?: DecisionMessage }
  /**
   * This store (as `replicaId`) is the copy that lost a fork at `fromSeq`: its own ops from there count as at risk
   * again, acknowledged or not, so the reset archives them (recorded in meta, read by the store's reset.ts).
   */
  | { readonly kind: 'unacknowledge'; readonly replicaId: string; readonly fromSeq: number }
  /** A new replica id from the store's generator (seeded in tests), for a join. */
  | { readonly kind: 'new-replica-id' }
  /**
   * `then`: 'push' when the ack answers the push in flight (it reaches its last op), 'ack' for an
   * earlier run of it; `serverSeq`: after a seed, the head the seed reached (sync goes live there).
   */
  | { readonly kind: 'acknowledge'; readonly ack: { readonly fromSeq: number; readonly toSeq: number; readonly firstServerSeq?: number }; readonly then: 'resume' | 'seed' | 'push' | 'ack'; readonly serverSeq?: number }
  | { readonly kind: 'count-at-risk'; readonly then: 'reset' | 'refresh'; readonly reason?: JoinReason }
  | { readonly kind: 'reset-to-snapshot'; readonly snapshot: Snapshot; readonly replicaId: string; readonly reason: string; readonly horizon: number; readonly serverSeq: number; readonly meta: Readonly<Record<string, unknown>> }
  /** `ackTo`: after a seed, the highest own seq it carried (acknowledged next). */
  | { readonly kind: 'apply-remote'; readonly entries: readonly SequencedOp[]; readonly meta: Readonly<Record<string, unknown>>; readonly then: 'ops' | 'seed'; readonly serverSeq: number; readonly progress?: SyncState['progress']; readonly ackTo?: number }
  /** `then`: 'synced' (the cursor, then live at `serverSeq`) or 'record' (the library this store syncs with). */
  | { readonly kind: 'write-meta'; readonly entries: Readonly<Record<string, unknown>>; readonly then: 'synced' | 'record'; readonly serverSeq?: number }
  | { readonly kind: 'compact'; readonly horizon: number }
  /** The server rejected own op `rejection.seq`: roll it back. `then`: 'push' when the reject answers the push in flight. */
  | { readonly kind: 'roll-back'; readonly rejection: RejectMessage; readonly then: 'push' | 'none' }
  | { readonly kind: 'read-unacknowledged'; readonly limit: number }
  /** A narrowed query: drop the documents in `held` and not in `query` (archiving unacknowledged own writes), writing `meta`. */
  | { readonly kind: 'narrow'; readonly held: Query; readonly query: Query; readonly meta: Readonly<Record<string, unknown>> }
  /** A chunk of a widening: merge the newly matching documents (on-query.ts). */
  | { readonly kind: 'merge-snapshot'; readonly baselines: readonly Baseline[]; readonly ops: readonly SequencedOp[] };

export type StoreCallKind = StoreCall['kind'];

export interface HelloInputs {
  readonly cursor: Cursor | null;
  readonly replicaId: string;
  readonly localSeq: number;
  readonly atRisk: number;
  readonly ackedSeq: number;
  /** The store's schema version, declared at hello; absent: not declared (a server with a minimum then refuses the hello). */
  readonly schemaVersion?: number;
  /** What the store holds of the library (on-query.ts); absent: never recorded (the whole library, if it has a cursor). */
  readonly held?: Query;
}

/** What each store call resolves to. */
export interface StoreValues {
  /** `library`: the library this store recorded on its first sync (undefined before). */
  readonly 'read-local': { readonly replicaId: string; readonly ackedSeq: number; readonly library?: string };
  readonly 'read-hello': HelloInputs;
  readonly 'export-history': { readonly baselines: Baseline[]; readonly ops: Op[] };
  readonly 'read-own-op': Op | undefined;
  readonly 'new-replica-id': string;
  readonly acknowledge: undefined;
  readonly unacknowledge: undefined;
  readonly 'count-at-risk': number;
  readonly 'reset-to-snapshot': undefined;
  readonly 'apply-remote': undefined;
  readonly 'write-meta': undefined;
  readonly compact: undefined;
  /** False when the store no longer held the op (rolled back before). */
  readonly 'roll-back': boolean;
  readonly 'read-unacknowledged': readonly Op[];
  readonly narrow: undefined;
  readonly 'merge-snapshot': undefined;
}

export interface SyncError {
  readonly code: string;
  readonly message: string;
}

export type Effect =
  /** Send on the current connection. */
  | { readonly type: 'send'; readonly message: ClientMessage }
  /** The state changed: show it. */
  | { readonly type: 'publish'; readonly state: SyncState }
  /**
   * Run this store call and feed its result back, tagged with `connection` (set by step: the connection
   * of the result that led to it, so a call that follows a stale result is stale too), else the
   * session's. Always a step's last effect.
   */
  | { readonly type: 'store'; readonly call: StoreCall; readonly connection?: number }
  /** Settle every waiting join(): resolved, or rejected with `error`. */
  | { readonly type: 'settle-joins'; readonly error?: SyncError }
  /** Start (or cancel) the cursor interval timer; when it fires, the shell steps `tick`. */
  | { readonly type: 'timer'; readonly action: 'start' | 'cancel' }
  /** Drop the connection and connect again (the transport's backoff applies). */
  | { readonly type: 'reconnect' }
  /** Close the connection for good: sync was refused (see Session.refused). */
  | { readonly type: 'close' }
  /** The store rolled back a rejected own op: tell the app (`sync.rejections`). */
  | { readonly type: 'rejected'; readonly rejection: Rejection };

/**
 * What happens to the engine: socket changes, decoded server frames, local
 * commits, store-call results, timer ticks and the app's calls. Events that
 * belong to a connection carry its number (taken when they arrived); the
 * engine ignores those of a connection that is no longer current.
 */
import type { Op } from '../../core/index.js';
import type { Query, ServerMessage } from '../../protocol/index.js';
import type { StoreCall, StoreCallKind, StoreValues, SyncError } from './effects.js';

/** A store call's result, typed by the call. */
export type StoredEvent = {
  readonly [K in StoreCallKind]: { readonly type: 'stored'; readonly connection: number; readonly call: Extract<StoreCall, { kind: K }>; readonly value: StoreValues[K] };
}[StoreCallKind];

export type EngineEvent =
  /** The engine starts: read what the store knows (acknowledged seq). */
  | { readonly type: 'start' }
  | { readonly type: 'opened'; readonly connection: number }
  | { readonly type: 'closed'; readonly connection: number; readonly phase: 'offline' | 'error'; readonly error?: SyncError }
  /** A decoded server frame (presence frames bypass the engine). */
  | { readonly type: 'frame'; readonly connection: number; readonly message: Exclude<ServerMessage, { type: 'presence' }> }
  | StoredEvent
  | { readonly type: 'store-failed'; readonly connection: number; readonly call: StoreCall; readonly error: SyncError }
  /** This store instance committed own ops (seen synchronously, before the write's promise resolves). */
  | { readonly type: 'committed'; readonly ops: readonly Op[] }
  /** Push what is unacknowledged; `written` are ops just committed here (see on-push.ts). */
  | { readonly type: 'pump'; readonly written?: readonly Op[] }
  /** The store's live count of unacknowledged own ops changed. */
  | { readonly type: 'pending'; readonly count: number }
  /** Pending changed: while a join is asked for, count again what it would archive. */
  | { readonly type: 'refresh-at-risk' }
  /** The app called join() (the shell rejects it at once unless phase is join-required). */
  | { readonly type: 'join' }
  /** The cursor interval ended. */
  | { readonly type: 'tick' }
  /** An error found outside the engine (a bad frame, a file upload): shown in state.error. */
  | { readonly type: 'report'; readonly error: SyncError }
  | { readonly type: 'stop' }
  /** The app set a new replication query (sync.setQuery). */
  | { readonly type: 'set-query'; readonly query: Query };

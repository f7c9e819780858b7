/**
 * What the client knows of its place in the library's history, read from
 * the store's meta rows and the sync state: the library it syncs with, its
 * cursor, the server's compaction horizon, and truancy. The server decides
 * truancy (its window is never sent to clients), so a client knows it only
 * from the server's answers: a reset asked for with reason `truant`, a resume
 * (live), and resets it archived for that reason.
 */
import type { ReplicaInspection } from '../store/index.js';
import type { SyncState } from '../sync/index.js';

/**
 * The sync engine's meta keys (src/sync/engine/session.ts: LIBRARY_KEY and
 * cursorKeyOf). Spelled again here because devtools reaches sync through its
 * public entry only; test/unit/devtools/sync-facts.test.ts pins them to the
 * engine's, so a rename fails there.
 */
export const LIBRARY_META_KEY = 'syncLibrary';
export const cursorMetaKey = (library: string): string => `sync:${library}`;

export interface CursorFact {
  /** The library's history this cursor belongs to (a new epoch after an eviction). */
  readonly epoch: string;
  /** The highest server seq this replica holds. */
  readonly serverSeq: number;
}

export type Truancy =
  | { readonly kind: 'truant' }
  | { readonly kind: 'resumed' }
  | { readonly kind: 'unknown'; readonly lastLive?: number };

export interface SyncFacts {
  readonly library?: string;
  readonly cursor?: CursorFact;
  readonly horizon?: number;
  /** Own ops: the highest seq allocated, and the highest the server acknowledged. */
  readonly ownSeq: number;
  readonly ackedSeq: number;
  readonly truancy: Truancy;
  /** Resets this replica archived because the server found it truant. */
  readonly truantResets: number;
}

function cursorOf(value: unknown): CursorFact | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { epoch, serverSeq } = value as { epoch?: unknown; serverSeq?: unknown };
  return typeof epoch === 'string' && typeof serverSeq === 'number' ? { epoch, serverSeq } : undefined;
}

export function truancyOf(state: SyncState | undefined, lastLive: number | undefined): Truancy {
  if (state?.phase === 'join-required' && state.joinRequired?.reason === 'truant') return { kind: 'truant' };
  if (state?.phase === 'live') return { kind: 'resumed' };
  return { kind: 'unknown', lastLive };
}

export function syncFacts(o: { replica: ReplicaInspection; state?: SyncState; lastLive?: number; archiveReasons?: readonly string[] }): SyncFacts {
  const { replica } = o;
  const library = typeof replica.meta[LIBRARY_META_KEY] === 'string' ? (replica.meta[LIBRARY_META_KEY] as string) : undefined;
  return {
    library,
    cursor: library === undefined ? undefined : cursorOf(replica.meta[cursorMetaKey(library)]),
    horizon: replica.horizon,
    ownSeq: replica.seq,
    ackedSeq: replica.ackedSeq,
    truancy: truancyOf(o.state, o.lastLive),
    truantResets: (o.archiveReasons ?? []).filter((reason) => reason === 'truant').length,
  };
}

import { useMemo, useSyncExternalStore } from 'react';
import type { Sync, SyncState } from '../sync/index.js';
import { observableSource } from './observable-source.js';

/** Shown before sync has said anything (its state is a BehaviorSubject, so only for a moment, if at all). */
const UNKNOWN: SyncState = Object.freeze({ phase: 'connecting', pending: 0 });

/**
 * The sync plugin's state (phase, pending count, progress, join-required,
 * last error), re-rendering on every change: `const { phase, pending } = useSyncState(sync)`.
 */
export function useSyncState(sync: Pick<Sync, 'state'>): SyncState {
  const source = useMemo(() => observableSource(sync.state, { peek: true }), [sync]);
  const result = useSyncExternalStore(source.subscribe, source.getSnapshot, source.getSnapshot);
  return result.status === 'ready' ? result.data : UNKNOWN;
}

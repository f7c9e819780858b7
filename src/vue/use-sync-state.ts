import { computed, type ComputedRef } from 'vue';
import type { Sync, SyncState } from '../sync/index.js';
import { liveRef } from './live-ref.js';

/** Shown before sync has said anything (its state is a BehaviorSubject, so only for a moment, if at all). */
const UNKNOWN: SyncState = Object.freeze({ phase: 'connecting', pending: 0 });

/** The sync plugin's state (phase, pending count, progress, join-required, last error) as a ref: `const state = useSyncState(sync)`. */
export function useSyncState(sync: Pick<Sync, 'state'>): ComputedRef<SyncState> {
  const state = liveRef('useSyncState', () => sync.state);
  return computed(() => (state.value.status === 'ready' ? state.value.data : UNKNOWN));
}

import { useCallback } from 'react';
import { atRiskBlob, joinPrompt, type JoinableSync, type JoinPrompt } from '../bindings/index.js';
import { useSyncState } from './use-sync-state.js';

export interface JoinLibrary extends JoinPrompt {
  /** The user consented: archive the changes at risk and reset (`sync.join()`); resolves when live again. */
  join(): Promise<void>;
  /**
   * The changes a join would archive (`sync.atRisk()`), as a JSON Blob (`{ format: 'trellis-at-risk', version: 1, replicaId, ops }`),
   * for a "Save my changes" link before joining. After the join they are also in `store.archives`.
   */
  downloadAtRisk(): Promise<Blob>;
}

/**
 * Everything a "Join library" prompt needs:
 *
 *   const { required, atRisk, join } = useJoinLibrary(sync);
 *   if (required) return button(`Join library (${atRisk} changes will be archived)`, join);
 *
 * A second argument (the store, which earlier versions needed) is accepted and ignored.
 */
export function useJoinLibrary(sync: JoinableSync, _store?: unknown): JoinLibrary {
  const state = useSyncState(sync);
  const join = useCallback(() => sync.join(), [sync]);
  const downloadAtRisk = useCallback(() => atRiskBlob(sync), [sync]);
  return { ...joinPrompt(state), join, downloadAtRisk };
}

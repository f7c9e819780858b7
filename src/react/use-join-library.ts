import { useCallback } from 'react';
import type { JoinReason, Sync } from '../sync/index.js';
import type { Store } from '../store/index.js';
import { getStoreHost } from '../store/index.js';
import { useSyncState } from './use-sync-state.js';

/** The `format` of the JSON file `downloadAtRisk` makes. */
export const AT_RISK_FORMAT = 'trellis-at-risk';

export interface JoinLibrary {
  /** Sync waits for the user's consent to reset to the server's snapshot (phase `join-required`). */
  readonly required: boolean;
  /** Why, while `required` (late joiner, truant, library reset, fork). */
  readonly reason: JoinReason | undefined;
  /** How many local changes a join would archive (0 when not `required`). */
  readonly atRisk: number;
  /** The user consented: archive the changes at risk and reset (`sync.join()`); resolves when live again. */
  join(): Promise<void>;
  /**
   * The changes a join would archive, as a JSON Blob (`{ format: 'trellis-at-risk', version: 1, replicaId, ops }`),
   * for a "Save my changes" link before joining. After the join they are also in `store.archives`.
   */
  downloadAtRisk(): Promise<Blob>;
}

/**
 * Everything a "Join library" prompt needs:
 *
 *   const { required, atRisk, join } = useJoinLibrary(sync, store);
 *   if (required) return button(`Join library (${atRisk} changes will be archived)`, join);
 */
export function useJoinLibrary(sync: Pick<Sync, 'state' | 'join'>, store: Pick<Store, 'replicaId'>): JoinLibrary {
  const { phase, joinRequired } = useSyncState(sync);
  const join = useCallback(() => sync.join(), [sync]);
  const downloadAtRisk = useCallback(async () => {
    const host = getStoreHost(store);
    const [replicaId, ops] = await Promise.all([host.replicaId(), host.readAtRisk()]);
    return new Blob([JSON.stringify({ format: AT_RISK_FORMAT, version: 1, replicaId, ops }, null, 2)], { type: 'application/json' });
  }, [store]);
  const required = phase === 'join-required';
  return { required, reason: required ? joinRequired?.reason : undefined, atRisk: required ? (joinRequired?.atRisk ?? 0) : 0, join, downloadAtRisk };
}

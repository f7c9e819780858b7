import type { Op } from '../core/index.js';
import type { StoreHost } from '../store/index.js';

/** The local changes a join would archive, as `sync.atRisk()` reads them. */
export interface AtRiskChanges {
  /** The replica that wrote them: the store's id now (a join gives the store a new one). */
  readonly replicaId: string;
  /** Oldest first; as many as `state.joinRequired.atRisk` counts. Empty when nothing is at risk. */
  readonly ops: readonly Op[];
}

/**
 * Reads what a reset would forfeit now. Every op at risk is this replica's own, so when there are
 * any their replicaId is the one they were read under, even if a reset lands between two reads.
 */
export async function readAtRisk(host: Pick<StoreHost, 'readAtRisk' | 'replicaId'>): Promise<AtRiskChanges> {
  const ops = await host.readAtRisk();
  return { replicaId: ops[0]?.replicaId ?? (await host.replicaId()), ops };
}

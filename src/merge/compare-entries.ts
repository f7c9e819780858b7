import type { StateEntry } from '../core/index.js';

/**
 * Total order of state entries: by stamp (plain string order, which is
 * `(ts, replicaId)`), then by seq. Zero means the same write.
 */
export function compareEntries(a: StateEntry, b: StateEntry): number {
  if (a.stamp !== b.stamp) return a.stamp < b.stamp ? -1 : 1;
  return a.seq - b.seq;
}

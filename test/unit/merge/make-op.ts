import { formatTimestamp } from '../../../src/core/index.js';
import type { Change, Op } from '../../../src/core/index.js';

const seqs = new Map<string, number>();

/** An op of the one test document, written by `replicaId` at logical time `ms`; seq counts up per replica. */
export function makeOp(replicaId: string, ms: number, change: Change): Op {
  const seq = (seqs.get(replicaId) ?? 0) + 1;
  seqs.set(replicaId, seq);
  return { replicaId, seq, ts: formatTimestamp({ ms, counter: 0 }), collection: 'notes', id: 'n1', change };
}

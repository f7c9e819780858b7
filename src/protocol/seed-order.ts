/**
 * Rules of a seed both sides apply: the order in which the server numbers the
 * seeded ops (the seeder records the same numbering without being told), and
 * the seeder's highest own seq, which the seed acknowledges.
 */
import { stampOf, TS_LENGTH } from '../core/index.js';
import type { Baseline, Op } from '../core/index.js';

/** An op's identity, `replicaId#seq`: the key under which copies of one op are the same op. */
export const opKey = (op: Pick<Op, 'replicaId' | 'seq'>): string => `${op.replicaId}#${op.seq}`;

/**
 * Distinct ops (by replicaId and seq; the last copy wins) ordered by (ts,
 * replicaId, seq): a causal order, in which the server assigns server seqs
 * 1..n to a seed.
 */
export function seedOrder(ops: readonly Op[]): Op[] {
  const distinct = new Map<string, Op>();
  for (const op of ops) distinct.set(opKey(op), op);
  return [...distinct.values()].sort((a, b) => {
    const x = stampOf(a);
    const y = stampOf(b);
    return x < y ? -1 : x > y ? 1 : a.seq - b.seq;
  });
}

/**
 * The highest seq of `replicaId` in a history, 0 if none. Its writes travel as
 * ops or, once compacted before it ever synced, inside baselines (each entry
 * keeps its writer's stamp and seq): both count, or the replica's next push
 * would look like a seq gap.
 */
export function highestSeq(history: { readonly ops: Iterable<Op>; readonly baselines: Iterable<Baseline> }, replicaId: string): number {
  let highest = 0;
  for (const op of history.ops) if (op.replicaId === replicaId) highest = Math.max(highest, op.seq);
  for (const baseline of history.baselines) {
    for (const entry of baseline.state.entries) if (entry.stamp.slice(TS_LENGTH) === replicaId) highest = Math.max(highest, entry.seq);
  }
  return highest;
}

/** Ops for protocol tests: valid by construction, one replica's seqs counted by the caller. */
import { formatTimestamp } from '../../src/core/index.js';
import type { Change, Op } from '../../src/core/index.js';

export interface OpSpec {
  readonly replicaId: string;
  readonly seq: number;
  /** Logical time; defaults to seq. */
  readonly ms?: number;
  readonly collection?: string;
  readonly id?: string;
  readonly change?: Change;
}

export function wireOp(spec: OpSpec): Op {
  return {
    replicaId: spec.replicaId,
    seq: spec.seq,
    ts: formatTimestamp({ ms: 1_700_000_000_000 + (spec.ms ?? spec.seq), counter: 0 }),
    collection: spec.collection ?? 'todos',
    id: spec.id ?? `doc-${spec.seq}`,
    change: spec.change ?? { kind: 'put', value: { title: `todo ${spec.seq} of ${spec.replicaId}`, done: false } },
  };
}

/** Ops `from..to` of one replica, each writing its own document unless `id` is given. */
export function wireOps(replicaId: string, from: number, to: number, spec: Omit<OpSpec, 'replicaId' | 'seq'> = {}): Op[] {
  return Array.from({ length: to - from + 1 }, (_, i) => wireOp({ ...spec, replicaId, seq: from + i }));
}

/**
 * Puts as a bench replica writes them (the store's own shape: `put` of the
 * whole document), for the server figures whose replicas speak the protocol
 * without a store (ingest, fan-out, memory), where the pushes themselves are
 * what is measured. A library whose contents a figure measures is built by a
 * real store and createSync instead (late-joiner). Timestamps are in 2023, so no server refuses them
 * as ahead of its clock.
 */
import { formatTimestamp } from '../../src/core/index.js';
import type { Op } from '../../src/core/index.js';
import { makeItem, type Item } from '../client/items.js';

const BASE_MS = 1_700_000_000_000;

export function putOp(o: { replicaId: string; seq: number; item: Item }): Op {
  const { id, ...rest } = o.item;
  return {
    replicaId: o.replicaId,
    seq: o.seq,
    ts: formatTimestamp({ ms: BASE_MS + o.seq, counter: 0 }),
    collection: 'items',
    id,
    change: { kind: 'put', value: { id, ...rest } },
  };
}

/** `count` puts of new documents, seqs from `fromSeq`. */
export function putOps(o: { replicaId: string; fromSeq: number; count: number; prefix: string }): Op[] {
  return Array.from({ length: o.count }, (_, i) => putOp({ replicaId: o.replicaId, seq: o.fromSeq + i, item: makeItem(o.prefix, o.fromSeq + i) }));
}

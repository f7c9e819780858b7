/**
 * Ops as a bench replica writes them (the store's own shapes: `put` of the
 * whole document, `set` of one field), for figures that build a library on a
 * server without a store. Timestamps are in 2023, so no server refuses them
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

/** One field of `item`, revised for the `round`-th time (title, priority, done, notes in turn). */
function revise(item: Item, round: number): [keyof Item, Item[keyof Item]] {
  switch (round % 4) {
    case 0:
      return ['title', `${item.title} (revised ${round})`];
    case 1:
      return ['priority', (item.priority + round) % 5];
    case 2:
      return ['done', !item.done];
    default:
      return ['notes', `Revision ${round}: corner shop closes at six, bakery open late.`];
  }
}

/**
 * A library's history: `docs` puts, then `revisions` rounds of one-field sets
 * over every document. Returns the ops in seq order and the documents as they
 * end up (what a late joiner must see).
 */
export function libraryHistory(o: { replicaId: string; docs: number; revisions: number; prefix: string }): { ops: Op[]; docs: Item[] } {
  const docs = Array.from({ length: o.docs }, (_, i) => makeItem(o.prefix, i));
  const ops: Op[] = docs.map((item, i) => putOp({ replicaId: o.replicaId, seq: i + 1, item }));
  for (let round = 0; round < o.revisions; round++) {
    for (const item of docs) {
      const [field, value] = revise(item, round);
      (item as unknown as Record<string, unknown>)[field] = value;
      const seq = ops.length + 1;
      ops.push({
        replicaId: o.replicaId,
        seq,
        ts: formatTimestamp({ ms: BASE_MS + seq, counter: 0 }),
        collection: 'items',
        id: item.id,
        change: { kind: 'set', path: [field], value },
      });
    }
  }
  return { ops, docs };
}

/**
 * A peer behind the other's horizon receives baselines (peer-store.ts stores each baseline's writes, its merge
 * state's entries, as ops). Law: whatever the two servers held (any overlapping sets of one document's ops, the
 * sender's squashed into a baseline at any point), the receiver ends with exactly the state of replaying every op.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatTimestamp } from '../../src/core/index.js';
import type { Baseline, Change, Op } from '../../src/core/index.js';
import { applyOps, emptyDocState, materialize } from '../../src/merge/index.js';
import { baselineAsOps as baselineOps } from '../../src/protocol/index.js';

const REPLICAS = ['r1', 'r2', 'r3'] as const;
const leaf = fc.oneof(fc.integer({ min: 0, max: 9 }), fc.constantFrom('x', 'y'), fc.constant(null));
const path = fc.constantFrom(['a'], ['a', 'b'], ['d']);
const change: fc.Arbitrary<Change> = fc.oneof(
  fc.dictionary(fc.constantFrom('a', 'd'), leaf, { maxKeys: 2 }).map((value) => ({ kind: 'put', value }) as Change),
  fc.record({ p: path, v: leaf }).map(({ p, v }) => ({ kind: 'set', path: p, value: v }) as Change),
  path.map((p) => ({ kind: 'unset', path: p }) as Change),
  fc.constant({ kind: 'delete' } as Change),
  fc.record({ p: path, by: fc.integer({ min: -3, max: 3 }) }).map(({ p, by }) => ({ kind: 'inc', path: p, by }) as Change),
);

/** Every replica's ops of one document, with where each lives: on the sender, the receiver, or both. */
const world = fc.array(fc.record({ r: fc.integer({ min: 0, max: 2 }), step: fc.integer({ min: 0, max: 2 }), change, held: fc.constantFrom('sender', 'receiver', 'both') }), { maxLength: 14 });

function build(items: readonly { r: number; step: number; change: Change; held: string }[]) {
  const seqs = [0, 0, 0];
  let ms = 1;
  return items.map((item) => {
    ms += item.step;
    const replicaId = REPLICAS[item.r] as string;
    const seq = ++(seqs[item.r] as number);
    const op: Op = { replicaId, seq, ts: formatTimestamp({ ms, counter: 0 }), collection: 'todos', id: 'doc', change: item.change };
    return { op, held: item.held };
  });
}

describe('merging a peer\'s baselines', () => {
  it('gives exactly the state replaying every op would, at any squash point of the sender', () => {
    fc.assert(
      fc.property(world, fc.nat(), (items, cut) => {
        const all = build(items);
        const sender = all.filter((x) => x.held !== 'receiver').map((x) => x.op);
        const receiver = all.filter((x) => x.held !== 'sender').map((x) => x.op);
        // The sender squashed its first `split` ops into a baseline and keeps the rest as ops.
        const split = sender.length === 0 ? 0 : cut % (sender.length + 1);
        const baseline: Baseline = { collection: 'todos', id: 'doc', state: applyOps(emptyDocState, sender.slice(0, split)), replicaId: 'r1', ts: formatTimestamp({ ms: 1, counter: 0 }) };
        const received = [...baselineOps(baseline), ...sender.slice(split)];
        const merged = applyOps(applyOps(emptyDocState, receiver), received);
        const replayed = applyOps(emptyDocState, all.map((x) => x.op));
        expect(materialize(merged)).toEqual(materialize(replayed));
      }),
      { numRuns: 500 },
    );
  });

  // Not the change: the merge state prunes what newer writes cover (a put under a later set), so a baseline's
  // write may hash unlike its op. That is why peer-store.ts compares hashes of ops only, never of baseline writes.
  it('a baseline\'s writes keep the replica, seq and ts of the ops they came from', () => {
    fc.assert(
      fc.property(world, (items) => {
        const ops = build(items).map((x) => x.op);
        const state = applyOps(emptyDocState, ops);
        for (const op of baselineOps({ collection: 'todos', id: 'doc', state, replicaId: 'r1', ts: formatTimestamp({ ms: 1, counter: 0 }) })) {
          const source = ops.find((o) => o.replicaId === op.replicaId && o.seq === op.seq);
          expect(source?.ts).toBe(op.ts);
        }
      }),
      { numRuns: 300 },
    );
  });
});

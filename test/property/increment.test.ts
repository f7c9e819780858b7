/**
 * Laws of the counter op `inc` in the pure merge: increments commute (same
 * ops, any order, grouping or repetition: same state), a set/unset/put of the
 * field is a new base that drops exactly the increments stamped before it,
 * and every form of compaction (a baseline, its entries as ops, the history
 * that fits a frame, the client's baseline ops) gives the state replay gives.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatTimestamp, stampOf } from '../../src/core/index.js';
import type { Baseline, Change, Op } from '../../src/core/index.js';
import { applyOps, emptyDocState, materialize, mergeStates } from '../../src/merge/index.js';
import { baselineAsOps, baselineFits, historyThatFits } from '../../src/protocol/index.js';
import { baselineOf, baselineOps } from '../../src/store/compact.js';

const RUNS = { numRuns: 400 };
const REPLICAS = ['r1', 'r2', 'r3'] as const;

const n = ['n'];
const inc = fc.integer({ min: -1000, max: 1000 }).map((by): Change => ({ kind: 'inc', path: n, by }));
const anyChange: fc.Arbitrary<Change> = fc.oneof(
  { arbitrary: inc, weight: 6 },
  { arbitrary: fc.integer({ min: -9, max: 9 }).map((v): Change => ({ kind: 'set', path: n, value: v })), weight: 1 },
  { arbitrary: fc.constant<Change>({ kind: 'set', path: n, value: 'text' }), weight: 1 },
  { arbitrary: fc.constant<Change>({ kind: 'unset', path: n }), weight: 1 },
  { arbitrary: fc.integer({ min: -9, max: 9 }).map((v): Change => ({ kind: 'put', value: { n: v } })), weight: 1 },
  { arbitrary: fc.constant<Change>({ kind: 'put', value: { other: 1 } }), weight: 1 },
  { arbitrary: fc.constant<Change>({ kind: 'delete' }), weight: 1 },
  { arbitrary: fc.integer({ min: -5, max: 5 }).map((by): Change => ({ kind: 'inc', path: ['o', 'm'], by })), weight: 2 },
  { arbitrary: fc.constant<Change>({ kind: 'set', path: ['o'], value: { m: 7 } }), weight: 1 },
);

/** Three replicas' ops: seq 1, 2, … and ts increasing per replica; equal ts across replicas happen often. */
const opsOf = (change: fc.Arbitrary<Change>): fc.Arbitrary<Op[]> => {
  const one = fc.array(fc.record({ change, step: fc.integer({ min: 0, max: 3 }) }), { maxLength: 10 });
  return fc.tuple(one, one, one).map((perReplica) =>
    perReplica.flatMap((drafts, r) => {
      let ms = 0;
      return drafts.map(({ change: c, step }, i): Op => {
        ms += step + (step === 0 && i > 0 ? 0 : 1);
        return { replicaId: REPLICAS[r] as string, seq: i + 1, ts: formatTimestamp({ ms, counter: i }), collection: 'c', id: 'doc', change: c };
      });
    }),
  );
};

const shuffledOf = (arb: fc.Arbitrary<Op[]>) => arb.chain((all) => fc.tuple(fc.constant(all), fc.shuffledSubarray(all, { minLength: all.length })));
const oneShot = (all: readonly Op[]) => applyOps(emptyDocState, all);
const byStamp = (a: Op, b: Op) => (stampOf(a) === stampOf(b) ? a.seq - b.seq : stampOf(a) < stampOf(b) ? -1 : 1);

/** The rule, stated directly: the last base of `n` (a set, unset or put) plus every increment stamped after it. */
function expectedCounter(all: readonly Op[]): number | undefined | 'not-a-counter' {
  const sorted = [...all].sort(byStamp);
  let value: unknown;
  let exists = false;
  for (const op of sorted) {
    const c = op.change;
    if (c.kind === 'delete') exists = false;
    else exists = true;
    if (c.kind === 'put') value = c.value.n;
    else if (c.kind === 'set' && c.path[0] === 'n') value = c.value;
    else if (c.kind === 'unset' && c.path[0] === 'n') value = undefined;
    else if (c.kind === 'inc' && c.path[0] === 'n') value = (typeof value === 'number' ? value : 0) + c.by;
  }
  if (!exists) return undefined;
  return typeof value === 'number' || value === undefined ? (value as number | undefined) : 'not-a-counter';
}

/** A baseline of `ops`, as either compaction stores it. */
const baselineFrom = (ops: readonly Op[]): Baseline | undefined => {
  const state = oneShot(ops);
  return state.entries.length === 0 ? undefined : baselineOf('c', 'doc', state);
};

describe('increment laws', () => {
  it('concurrent increments all count, whatever order, grouping or repetition they arrive in', () => {
    fc.assert(
      fc.property(shuffledOf(opsOf(inc)), fc.nat(), ([all, shuffled], cut) => {
        const sum = all.reduce((total, op) => total + (op.change as { by: number }).by, 0);
        const at = all.length === 0 ? 0 : cut % all.length;
        const state = mergeStates(oneShot(shuffled.slice(0, at)), oneShot([...shuffled.slice(at), ...shuffled.slice(0, at)]));
        expect(state).toEqual(oneShot(all));
        expect(materialize(state)).toEqual(all.length === 0 ? undefined : { n: sum });
      }),
      RUNS,
    );
  });

  it('a set, unset or put of the field is a new base: exactly the increments stamped after the last one add to it', () => {
    fc.assert(
      fc.property(shuffledOf(opsOf(anyChange)), ([all, shuffled]) => {
        const doc = materialize(oneShot(shuffled));
        const expected = expectedCounter(all);
        if (expected === undefined) expect(doc?.n).toBeUndefined();
        else if (expected === 'not-a-counter') expect(doc?.n).toBe('text');
        else expect(doc?.n).toBe(expected);
        expect(oneShot(shuffled)).toEqual(oneShot(all));
      }),
      { numRuns: 1000 },
    );
  });

  it('any split into a baseline and later ops, the baseline sent as ops or merged with re-sent ops, gives the replayed state', () => {
    const split = shuffledOf(opsOf(anyChange)).chain(([all, shuffled]) =>
      fc.tuple(fc.constant(all), fc.constant(shuffled), fc.nat({ max: shuffled.length }), fc.shuffledSubarray(all)),
    );
    fc.assert(
      fc.property(split, ([all, shuffled, cut, resent]) => {
        const replayed = oneShot(all);
        const baseline = baselineFrom(shuffled.slice(0, cut));
        const rest = shuffled.slice(cut);
        const base = baseline?.state ?? emptyDocState;
        // The server's squash: a baseline plus the ops after it, with any ops sent again (a reconnect) counted once.
        expect(applyOps(base, [...rest, ...resent])).toEqual(replayed);
        // A baseline that travels as its entries' ops (baselineAsOps), deduplicated against the same ops.
        const asOps = baseline === undefined ? [] : baselineAsOps(baseline);
        expect(oneShot([...asOps, ...rest, ...resent])).toEqual(replayed);
        // The client's seed and archive ops (puts refilled from the document) materialize the same document.
        const clientOps = baseline === undefined ? [] : baselineOps(baseline);
        expect(materialize(oneShot([...clientOps, ...rest]))).toEqual(materialize(replayed));
        // historyThatFits keeps a small baseline as is; the snapshot merges it with the remaining ops.
        const history = historyThatFits({ baselines: baseline === undefined ? [] : [baseline], ops: rest });
        const fromHistory = history.baselines.reduce((state, b) => mergeStates(state, b.state), oneShot(history.ops));
        expect(fromHistory).toEqual(replayed);
      }),
      RUNS,
    );
  });

  it('a counter too large for one baseline travels as ops and keeps its exact total', () => {
    const put: Op = { replicaId: 'r1', seq: 1, ts: formatTimestamp({ ms: 1, counter: 0 }), collection: 'c', id: 'doc', change: { kind: 'put', value: { n: 0 } } };
    const increments = Array.from({ length: 30_000 }, (_, i): Op => ({
      replicaId: REPLICAS[i % 3] as string,
      seq: 2 + i,
      ts: formatTimestamp({ ms: 2 + Math.floor(i / 3), counter: 0 }),
      collection: 'c',
      id: 'doc',
      change: { kind: 'inc', path: n, by: (i % 7) - 2 },
    }));
    const all = [put, ...increments];
    const baseline = baselineFrom(all) as Baseline;
    // Every increment since the last set stays an entry of the state: 30,000 entries are past one frame.
    expect(baselineFits(baseline)).toBe(false);
    const history = historyThatFits({ baselines: [baseline], ops: increments.slice(0, 100) });
    expect(history.baselines).toEqual([]);
    expect(history.ops).toHaveLength(all.length);
    const total = increments.reduce((sum, op) => sum + (op.change as { by: number }).by, 0);
    expect(materialize(oneShot(history.ops))).toEqual({ n: total });
  });
});

import { describe, expect, it } from 'vitest';
import { applyOps, compareEntries, emptyDocState, mergeStates } from '../../../src/merge/index.js';
import { makeOp } from './make-op.js';

describe('merge state', () => {
  it('stays small under repeated writes to the same fields', () => {
    let state = applyOps(emptyDocState, [makeOp('r1', 1, { kind: 'put', value: { n: 0 } })]);
    for (let i = 2; i < 200; i++) {
      state = applyOps(state, [makeOp('r1', i, { kind: 'set', path: ['n'], value: i }), makeOp('r2', i, { kind: 'set', path: ['m', 'x'], value: i })]);
    }
    expect(state.entries.map((e) => e.change.kind)).toEqual(['put', 'set', 'set']);
  });

  it('keeps entries sorted by stamp then seq, without duplicates', () => {
    const a = makeOp('r2', 3, { kind: 'set', path: ['a'], value: 1 });
    const b = makeOp('r1', 3, { kind: 'set', path: ['b'], value: 1 });
    const c = makeOp('r1', 2, { kind: 'set', path: ['c'], value: 1 });
    const state = applyOps(emptyDocState, [a, b, c, a, b]);
    expect(state.entries.map((e) => e.stamp)).toEqual([c, b, a].map((op) => op.ts + op.replicaId));
    expect([...state.entries].sort(compareEntries)).toEqual(state.entries);
  });

  it('returns the same state object when nothing changed', () => {
    const op = makeOp('r1', 1, { kind: 'put', value: { n: 1 } });
    const state = applyOps(emptyDocState, [op]);
    expect(applyOps(state, [op])).toBe(state);
    expect(applyOps(state, [])).toBe(state);
    expect(mergeStates(state, state)).toBe(state);
    expect(mergeStates(state, emptyDocState)).toBe(state);
  });

  it('drops an op that arrives after a newer put', () => {
    const put = makeOp('r1', 5, { kind: 'put', value: { n: 1 } });
    const stale = makeOp('r2', 4, { kind: 'set', path: ['n'], value: 2 });
    const state = applyOps(emptyDocState, [put]);
    expect(applyOps(state, [stale])).toBe(state);
  });

  it('orders by seq when two entries share a stamp', () => {
    expect(compareEntries({ stamp: 's', seq: 1, change: { kind: 'delete' } }, { stamp: 's', seq: 2, change: { kind: 'delete' } })).toBeLessThan(0);
  });
});

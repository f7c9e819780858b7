import { describe, expect, it } from 'vitest';
import { applyOps, emptyDocState, listItemsAt, materialize, positionBetween } from '../../../src/merge/index.js';
import type { Op } from '../../../src/core/index.js';
import { makeOp } from './make-op.js';

const doc = makeOp('r1', 1, { kind: 'put', value: { todo: ['milk', 'eggs'] } });
const stamp = (op: Op) => op.ts + op.replicaId;

describe('lists', () => {
  it('an array in a put becomes a list whose item ids derive from the stamp', () => {
    const items = listItemsAt(applyOps(emptyDocState, [doc]), ['todo']);
    expect(items?.map((x) => [x.item, x.value])).toEqual([[`${stamp(doc)}.0`, 'milk'], [`${stamp(doc)}.1`, 'eggs']]);
  });

  it('listItemsAt is undefined where the value is not a list', () => {
    const state = applyOps(emptyDocState, [doc]);
    expect(listItemsAt(state, ['nope'])).toBeUndefined();
    expect(listItemsAt(state, [])).toBeUndefined();
  });

  it('remove acts on the item by identity, not by index', () => {
    const before = listItemsAt(applyOps(emptyDocState, [doc]), ['todo']) ?? [];
    const insertFirst = makeOp('r2', 2, { kind: 'list-insert', path: ['todo'], item: 'bread', pos: positionBetween(undefined, before[0]?.pos), value: 'bread' });
    const removeEggs = makeOp('r1', 2, { kind: 'list-remove', path: ['todo'], item: `${stamp(doc)}.1` });
    expect(materialize(applyOps(emptyDocState, [doc, removeEggs, insertFirst]))).toEqual({ todo: ['bread', 'milk'] });
  });

  it('move changes only the moved item position', () => {
    const items = listItemsAt(applyOps(emptyDocState, [doc]), ['todo']) ?? [];
    const toEnd = makeOp('r1', 2, { kind: 'list-move', path: ['todo'], item: `${stamp(doc)}.0`, pos: positionBetween(items[1]?.pos, undefined) });
    expect(materialize(applyOps(emptyDocState, [toEnd, doc]))).toEqual({ todo: ['eggs', 'milk'] });
  });

  it('the newer of two concurrent moves of one item wins', () => {
    const moveA = makeOp('r1', 2, { kind: 'list-move', path: ['todo'], item: `${stamp(doc)}.1`, pos: '1' });
    const moveB = makeOp('r2', 3, { kind: 'list-move', path: ['todo'], item: `${stamp(doc)}.1`, pos: 'z' });
    expect(materialize(applyOps(emptyDocState, [moveB, moveA, doc]))).toEqual({ todo: ['milk', 'eggs'] });
  });

  it('a remove arriving before its insert still removes the item when the remove is newer', () => {
    const insert = makeOp('r2', 2, { kind: 'list-insert', path: ['todo'], item: 'tea', pos: 'z', value: 'tea' });
    const remove = makeOp('r1', 3, { kind: 'list-remove', path: ['todo'], item: 'tea' });
    const state = applyOps(applyOps(applyOps(emptyDocState, [doc]), [remove]), [insert]);
    expect(materialize(state)).toEqual({ todo: ['milk', 'eggs'] });
  });

  it('concurrent inserts at the same position are both kept, ordered by item id', () => {
    const fromA = makeOp('r1', 2, { kind: 'list-insert', path: ['todo'], item: 'b-item', pos: 'z', value: 'B' });
    const fromB = makeOp('r2', 2, { kind: 'list-insert', path: ['todo'], item: 'a-item', pos: 'z', value: 'A' });
    expect(materialize(applyOps(emptyDocState, [fromA, doc, fromB]))).toEqual({ todo: ['milk', 'eggs', 'A', 'B'] });
  });

  it('arrays inside list items stay plain arrays', () => {
    const nested = makeOp('r1', 1, { kind: 'put', value: { grid: [[1, 2], [3]] } });
    expect(listItemsAt(applyOps(emptyDocState, [nested]), ['grid'])?.map((x) => x.value)).toEqual([[1, 2], [3]]);
  });

  it('mutating a materialized document leaves the state untouched', () => {
    const nested = makeOp('r1', 1, { kind: 'put', value: { grid: [[1, 2]] } });
    const state = applyOps(emptyDocState, [nested]);
    (materialize(state)?.['grid'] as number[][])[0]?.push(99);
    expect(materialize(state)).toEqual({ grid: [[1, 2]] });
  });
});

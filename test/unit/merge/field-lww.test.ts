import { describe, expect, it } from 'vitest';
import { applyOps, emptyDocState, materialize } from '../../../src/merge/index.js';
import { makeOp } from './make-op.js';

const doc = makeOp('r1', 1, { kind: 'put', value: { title: 'draft', meta: { color: 'red', size: 1 } } });

describe('field-level last-writer-wins', () => {
  it('concurrent writes to different nested fields both survive', () => {
    const color = makeOp('r1', 5, { kind: 'set', path: ['meta', 'color'], value: 'blue' });
    const size = makeOp('r2', 5, { kind: 'set', path: ['meta', 'size'], value: 2 });
    expect(materialize(applyOps(emptyDocState, [size, doc, color]))).toEqual({ title: 'draft', meta: { color: 'blue', size: 2 } });
  });

  it('the newer write to the same nested field wins, whatever the arrival order', () => {
    const older = makeOp('r2', 5, { kind: 'set', path: ['meta', 'color'], value: 'green' });
    const newer = makeOp('r1', 6, { kind: 'set', path: ['meta', 'color'], value: 'blue' });
    expect(materialize(applyOps(emptyDocState, [doc, newer, older]))?.['meta']).toEqual({ color: 'blue', size: 1 });
  });

  it('equal timestamps are ordered by replica id', () => {
    const fromA = makeOp('a', 5, { kind: 'set', path: ['title'], value: 'A' });
    const fromB = makeOp('b', 5, { kind: 'set', path: ['title'], value: 'B' });
    expect(materialize(applyOps(emptyDocState, [doc, fromB, fromA]))?.['title']).toBe('B');
    expect(materialize(applyOps(emptyDocState, [doc, fromA, fromB]))?.['title']).toBe('B');
  });

  it('a newer set of a prefix path overrides older writes below it', () => {
    const child = makeOp('r2', 5, { kind: 'set', path: ['meta', 'color'], value: 'blue' });
    const parent = makeOp('r1', 6, { kind: 'set', path: ['meta'], value: { shape: 'round' } });
    const state = applyOps(emptyDocState, [parent, child, doc]);
    expect(materialize(state)?.['meta']).toEqual({ shape: 'round' });
    expect(state.entries.map((e) => e.change.kind)).toEqual(['put', 'set']);
  });

  it('an older set of a prefix path does not override newer writes below it', () => {
    const parent = makeOp('r1', 5, { kind: 'set', path: ['meta'], value: { shape: 'round' } });
    const child = makeOp('r2', 6, { kind: 'set', path: ['meta', 'color'], value: 'blue' });
    expect(materialize(applyOps(emptyDocState, [child, parent, doc]))?.['meta']).toEqual({ shape: 'round', color: 'blue' });
  });

  it('a write below a primitive turns it into an object', () => {
    const deep = makeOp('r1', 5, { kind: 'set', path: ['title', 'text'], value: 'x' });
    expect(materialize(applyOps(emptyDocState, [doc, deep]))?.['title']).toEqual({ text: 'x' });
  });

  it('a newer unset removes the field and older writes below it', () => {
    const child = makeOp('r2', 5, { kind: 'set', path: ['meta', 'color'], value: 'blue' });
    const unset = makeOp('r1', 6, { kind: 'unset', path: ['meta'] });
    expect(materialize(applyOps(emptyDocState, [doc, unset, child]))).toEqual({ title: 'draft' });
  });

  it('an unset below a missing field still turns the fields on its way into objects', () => {
    const unset = makeOp('r1', 5, { kind: 'unset', path: ['title', 'text'] });
    expect(materialize(applyOps(emptyDocState, [doc, unset]))?.['title']).toEqual({});
  });

  it('a set with an empty path changes nothing', () => {
    const state = applyOps(emptyDocState, [doc]);
    const empty = makeOp('r1', 9, { kind: 'set', path: [], value: 1 });
    expect(materialize(applyOps(state, [empty]))).toEqual(materialize(state));
  });

  it('a field named __proto__ is plain data', () => {
    const proto = makeOp('r1', 5, { kind: 'set', path: ['__proto__', 'polluted'], value: true });
    const result = materialize(applyOps(emptyDocState, [doc, proto]));
    expect(Object.keys(result ?? {})).toContain('__proto__');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

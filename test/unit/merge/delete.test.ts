import { describe, expect, it } from 'vitest';
import { applyOps, emptyDocState, lastWrite, materialize } from '../../../src/merge/index.js';
import { makeOp } from './make-op.js';

const doc = makeOp('r1', 1, { kind: 'put', value: { title: 'draft', tags: { a: true } } });

describe('delete', () => {
  it('a document nobody wrote is absent', () => {
    expect(materialize(emptyDocState)).toBeUndefined();
    expect(lastWrite(emptyDocState)).toBeUndefined();
  });

  it('a deleted document materializes as absent', () => {
    const del = makeOp('r1', 2, { kind: 'delete' });
    expect(materialize(applyOps(emptyDocState, [doc, del]))).toBeUndefined();
  });

  it('a newer put after a delete recreates the document clean', () => {
    const del = makeOp('r1', 2, { kind: 'delete' });
    const put = makeOp('r2', 3, { kind: 'put', value: { title: 'fresh' } });
    const state = applyOps(emptyDocState, [put, del, doc]);
    expect(materialize(state)).toEqual({ title: 'fresh' });
    expect(state.entries).toHaveLength(1);
  });

  it('a concurrent update newer than the delete resurrects the old content with the update', () => {
    const del = makeOp('r1', 2, { kind: 'delete' });
    const update = makeOp('r2', 3, { kind: 'set', path: ['tags', 'b'], value: true });
    const state = applyOps(emptyDocState, [update, del, doc]);
    expect(materialize(state)).toEqual({ title: 'draft', tags: { a: true, b: true } });
    expect(state.entries.map((e) => e.change.kind)).toEqual(['put', 'set']);
  });

  it('an update older than the delete stays deleted', () => {
    const update = makeOp('r2', 2, { kind: 'set', path: ['title'], value: 'late' });
    const del = makeOp('r1', 3, { kind: 'delete' });
    expect(materialize(applyOps(emptyDocState, [del, update, doc]))).toBeUndefined();
  });

  it('lastWrite reports the highest stamp, a delete included', () => {
    const del = makeOp('r1', 4, { kind: 'delete' });
    expect(lastWrite(applyOps(emptyDocState, [del, doc]))).toEqual({ stamp: del.ts + del.replicaId });
  });
});

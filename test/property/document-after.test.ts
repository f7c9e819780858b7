/**
 * documentAfter (src/server/core/document-after.ts), the authoritative
 * server's shortcut for the document an op leaves, is materialize exactly:
 * for any ops of one document (puts, sets, unsets, deletes, increments, list
 * changes, any order), including states whose newest entry is a put with
 * nested lists and `__proto__` keys; and its result shares nothing with the
 * op (a rule mutating it changes nothing stored).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatTimestamp } from '../../src/core/index.js';
import type { Change, Json, JsonObject, Op } from '../../src/core/index.js';
import { applyOps, emptyDocState, materialize } from '../../src/merge/index.js';
import { documentAfter } from '../../src/server/core/document-after.js';

const key = fc.constantFrom('a', 'b', '__proto__', 'constructor', '');
const leaf = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string({ maxLength: 3 }), fc.boolean(), fc.constant(null));
const { value } = fc.letrec<{ value: Json }>((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(key, tie('value'), { maxKeys: 3 })),
}));
const object: fc.Arbitrary<JsonObject> = fc.dictionary(key, value, { maxKeys: 4 });
const path = fc.constantFrom(['a'], ['b'], ['a', 'b'], ['__proto__']);
const change: fc.Arbitrary<Change> = fc.oneof(
  { weight: 3, arbitrary: object.map((v): Change => ({ kind: 'put', value: v })) },
  { weight: 2, arbitrary: fc.record({ p: path, v: value }).map(({ p, v }): Change => ({ kind: 'set', path: p, value: v })) },
  { weight: 1, arbitrary: path.map((p): Change => ({ kind: 'unset', path: p })) },
  { weight: 1, arbitrary: fc.constant<Change>({ kind: 'delete' }) },
  { weight: 1, arbitrary: fc.record({ p: path, by: fc.integer({ min: -3, max: 3 }) }).map(({ p, by }): Change => ({ kind: 'inc', path: p, by })) },
  { weight: 1, arbitrary: fc.record({ p: path, v: leaf, pos: fc.constantFrom('G', 'V', 'a') }).map(({ p, v, pos }): Change => ({ kind: 'list-insert', path: p, item: `i${pos}`, pos, value: v })) },
);
const ops = fc.array(fc.record({ change, ms: fc.integer({ min: 0, max: 20 }), replica: fc.constantFrom('r1', 'r2') }), { minLength: 1, maxLength: 6 }).map((drafts) =>
  drafts.map(({ change: c, ms, replica }, i): Op => ({ replicaId: replica, seq: i + 1, ts: formatTimestamp({ ms: 1_700_000_000_000 + ms, counter: 0 }), collection: 'c', id: 'd', change: c })),
);

describe('documentAfter', () => {
  it('equals materialize for any ops of a document', () => {
    fc.assert(
      fc.property(ops, (list) => {
        const state = applyOps(emptyDocState, list);
        expect(JSON.stringify(documentAfter(state))).toBe(JSON.stringify(materialize(state)));
        expect(documentAfter(state)).toEqual(materialize(state));
      }),
      { numRuns: 1000 },
    );
  });

  it('copies a put it shows: mutating the result leaves the op and the state as they were', () => {
    const put: Op = { replicaId: 'r1', seq: 1, ts: formatTimestamp({ ms: 1, counter: 0 }), collection: 'c', id: 'd', change: { kind: 'put', value: { a: { b: [1, { c: 2 }] } } } };
    const state = applyOps(emptyDocState, [put]);
    const doc = documentAfter(state) as { a: { b: [number, { c: number }] } };
    doc.a.b[1].c = 99;
    doc.a.b.push(3 as never);
    expect(put.change).toEqual({ kind: 'put', value: { a: { b: [1, { c: 2 }] } } });
    expect(documentAfter(state)).toEqual({ a: { b: [1, { c: 2 }] } });
  });

  it('keeps `__proto__` an own field, not a prototype', () => {
    const value = JSON.parse('{"__proto__":{"polluted":true},"a":1}') as JsonObject;
    const state = applyOps(emptyDocState, [{ replicaId: 'r1', seq: 1, ts: formatTimestamp({ ms: 1, counter: 0 }), collection: 'c', id: 'd', change: { kind: 'put', value } }]);
    const doc = documentAfter(state) as JsonObject;
    expect(Object.getPrototypeOf(doc)).toBe(Object.prototype);
    expect(Object.hasOwn(doc, '__proto__')).toBe(true);
    expect((doc as { polluted?: boolean }).polluted).toBeUndefined();
  });
});

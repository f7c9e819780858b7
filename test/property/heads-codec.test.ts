import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatTimestamp } from '../../src/core/index.js';
import type { Change, Json, JsonObject, Op } from '../../src/core/index.js';
import { applyOps, emptyDocState, materialize } from '../../src/merge/index.js';
import { decodeHead, encodeHead } from '../../src/store/heads.js';

const leaf = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom('x', 'y'), fc.constant(null), fc.boolean());
const value: fc.Arbitrary<Json> = fc.oneof(leaf, fc.dictionary(fc.constantFrom('b', 'c'), leaf, { maxKeys: 2 }), fc.array(leaf, { maxLength: 2 }));
const path = fc.constantFrom(['a'], ['a', 'b'], ['a', 'c'], ['d']);
const change: fc.Arbitrary<Change> = fc.oneof(
  fc.dictionary(fc.constantFrom('a', 'd'), value, { maxKeys: 2 }).map((v) => ({ kind: 'put', value: v }) as Change),
  fc.record({ p: path, v: value }).map(({ p, v }) => ({ kind: 'set', path: p, value: v }) as Change),
  path.map((p) => ({ kind: 'unset', path: p }) as Change),
  fc.record({ item: fc.constantFrom('i1', 'i2'), pos: fc.constantFrom('G', 'V'), v: leaf }).map(
    ({ item, pos, v }) => ({ kind: 'list-insert', path: ['l'], item, pos, value: v }) as Change,
  ),
);
const ops = fc.array(fc.record({ replica: fc.constantFrom('replica-one', 'replica-two'), ms: fc.integer({ min: 1, max: 50 }), change }), {
  minLength: 1,
  maxLength: 12,
});

describe('heads stored in document rows (store/heads.ts)', () => {
  it('decode(encode(state, doc), doc) gives back the exact state, whatever values it could leave out', () => {
    fc.assert(
      fc.property(ops, fc.dictionary(fc.constantFrom('z', 'a'), leaf, { maxKeys: 1 }), (drafts, defaults) => {
        const list: Op[] = drafts.map((d, i) => ({
          replicaId: d.replica,
          seq: i + 1,
          ts: formatTimestamp({ ms: d.ms, counter: i }),
          collection: 'c',
          id: 'x',
          change: d.change,
        }));
        const state = applyOps(emptyDocState, list);
        const doc = materialize(state);
        if (doc === undefined) return;
        // The row's document has defaults filled in, which the state does not hold.
        const stored: JsonObject = { ...defaults, ...doc };
        const head = encodeHead(state, stored);
        expect(decodeHead(structuredClone(head), stored)).toEqual(state);
        expect(head.r.length).toBeLessThanOrEqual(2);
      }),
      { numRuns: 500 },
    );
  });

  it('leaves out a put whose value is the document, and a set whose value the document shows', () => {
    const put: Op = { replicaId: 'r', seq: 1, ts: formatTimestamp({ ms: 1, counter: 0 }), collection: 'c', id: 'x', change: { kind: 'put', value: { a: 'long text' } } };
    const only = applyOps(emptyDocState, [put]);
    expect(encodeHead(only, { a: 'long text' }).e[0]?.[3]).toEqual(0);
    const set: Op = { ...put, seq: 2, ts: formatTimestamp({ ms: 2, counter: 0 }), change: { kind: 'set', path: ['a'], value: 'newer text' } };
    const both = applyOps(emptyDocState, [put, set]);
    const head = encodeHead(both, { a: 'newer text' });
    // The merge already nulled the put's `a` (the newer set overwrites it); the rest of its value is the document's.
    expect(both.entries[0]?.change).toEqual({ kind: 'put', value: { a: null } });
    expect(head.e.map((e) => e[3])).toEqual([0, ['a']]);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatTimestamp, stampOf } from '../../src/core/index.js';
import type { Change, Json, JsonObject, Op } from '../../src/core/index.js';
import { dominates } from '../../src/merge/prune-entries.js';
import { applyOps, compareEntries, emptyDocState, lastWrite, listItemsAt, materialize, mergeStates, positionsFor } from '../../src/merge/index.js';

const RUNS = { numRuns: 400 };
const REPLICAS = ['r1', 'r2', 'r3'] as const;

// ---------------------------------------------------------------- generators

const leaf = fc.oneof(fc.integer({ min: 0, max: 9 }), fc.constantFrom('x', 'y', ''), fc.constant(null));
const shallow = fc.oneof(leaf, fc.array(fc.oneof(leaf, fc.array(leaf, { maxLength: 2 })), { maxLength: 3 }));
const value: fc.Arbitrary<Json> = fc.oneof(
  shallow,
  fc.dictionary(fc.constantFrom('b', 'c', 'p'), shallow, { maxKeys: 2 }),
);
const docValue: fc.Arbitrary<JsonObject> = fc.dictionary(fc.constantFrom('a', 'd'), value, { maxKeys: 2 });
const path = fc.constantFrom(['a'], ['a', 'b'], ['a', 'c'], ['d']);
const pos = fc.constantFrom('1', 'G', 'V', 'V', 'a', 'z', 'V1');

/** A change whose list item ids are resolved later, once every op's stamp is known. */
type Draft = { change: Change; itemRef?: number };

/**
 * `lists` weighs list changes against whole-field writes; the list-heavy profile also keeps list changes
 * on two paths that do not clobber each other, so lists live long enough to be edited.
 */
const draft = (lists: number, listPath: fc.Arbitrary<readonly string[]>): fc.Arbitrary<Draft> => fc.oneof(
  { arbitrary: docValue.map((v) => ({ change: { kind: 'put', value: v } as Change })), weight: 1 },
  { arbitrary: fc.record({ p: path, v: value }).map(({ p, v }) => ({ change: { kind: 'set', path: p, value: v } as Change })), weight: 3 },
  { arbitrary: path.map((p) => ({ change: { kind: 'unset', path: p } as Change })), weight: 1 },
  { arbitrary: fc.constant({ change: { kind: 'delete' } as Change }), weight: 1 },
  { arbitrary: fc.record({ p: path, by: fc.integer({ min: -5, max: 5 }) }).map(({ p, by }) => ({ change: { kind: 'inc', path: p, by } as Change })), weight: 2 },
  {
    arbitrary: fc.record({ p: listPath, ps: pos, v: leaf, fresh: fc.boolean() }).map(({ p, ps, v, fresh }) => ({
      change: { kind: 'list-insert', path: p, item: fresh ? '' : 'shared', pos: ps, value: v } as Change,
    })),
    weight: 2 * lists,
  },
  { arbitrary: fc.record({ p: listPath, r: fc.nat() }).map(({ p, r }) => ({ change: { kind: 'list-remove', path: p, item: '' } as Change, itemRef: r })), weight: lists },
  { arbitrary: fc.record({ p: listPath, ps: pos, r: fc.nat() }).map(({ p, ps, r }) => ({ change: { kind: 'list-move', path: p, item: '', pos: ps } as Change, itemRef: r })), weight: lists },
);

/** One replica's ops: seq 1, 2, …, ts strictly increasing with seq; equal ts across replicas happen often. */
const threeReplicas = (lists: number, listPath: fc.Arbitrary<readonly string[]>) => {
  const one = fc.array(fc.record({ d: draft(lists, listPath), step: fc.integer({ min: 1, max: 3 }) }), { maxLength: 7 });
  return fc.tuple(one, one, one);
};
const mixed = threeReplicas(2, path);
const listHeavy = threeReplicas(30, fc.constantFrom(['a', 'b'], ['d']));

const ops: fc.Arbitrary<Op[]> = fc.oneof(mixed, listHeavy).map((perReplica) => {
  const built: { op: Op; itemRef?: number }[] = [];
  perReplica.forEach((drafts, r) => {
    let ms = 0;
    drafts.forEach(({ d, step }, index) => {
      ms += step;
      const replicaId = REPLICAS[r] ?? 'r1';
      const seq = index + 1;
      // A fresh insert gets a unique item id, as a real replica would generate.
      const fresh = d.change.kind === 'list-insert' && d.change.item === '';
      const change = fresh ? { ...d.change, item: `${replicaId}-${seq}` } : d.change;
      const op: Op = { replicaId, seq, ts: formatTimestamp({ ms, counter: 0 }), collection: 'c', id: 'doc', change };
      built.push({ op, itemRef: d.itemRef });
    });
  });
  // Remove/move mostly target an item that some op put at the same path (inserted, or from an array), else a ghost.
  const known = new Map<string, string[]>();
  const note = (at: readonly string[], item: string) => known.set(at.join('/'), [...(known.get(at.join('/')) ?? []), item]);
  const noteArrays = (at: readonly string[], v: Json, stamp: string) => {
    if (Array.isArray(v)) v.forEach((_, i) => note(at, `${stamp}.${i}`));
    else if (v !== null && typeof v === 'object') for (const [k, child] of Object.entries(v)) noteArrays([...at, k], child, stamp);
  };
  for (const { op } of built) {
    const c = op.change;
    if (c.kind === 'list-insert') note(c.path, c.item);
    if (c.kind === 'put' || c.kind === 'set') noteArrays(c.kind === 'set' ? c.path : [], c.value, stampOf(op));
  }
  return built.map(({ op, itemRef }) => {
    if (itemRef === undefined || !('path' in op.change)) return op;
    const candidates = [...(known.get(op.change.path.join('/')) ?? []), 'ghost'];
    return { ...op, change: { ...op.change, item: candidates[itemRef % candidates.length] } as Change };
  });
});

// ------------------------------------------------- reference fold (no pruning)

type RefNode = Json | RefObject | RefList;
interface RefObject { [key: string]: RefNode }
class RefList {
  items: { id: string; pos: string; value: Json }[] = [];
}

const isObject = (n: RefNode | undefined): n is RefObject => typeof n === 'object' && n !== null && !Array.isArray(n) && !(n instanceof RefList);

function internal(v: Json, stamp: string): RefNode {
  if (Array.isArray(v)) {
    const list = new RefList();
    const keys = positionsFor(v.length);
    list.items = v.map((value, i) => ({ id: `${stamp}.${i}`, pos: keys[i] as string, value }));
    return list;
  }
  if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, c]) => [k, internal(c as Json, stamp)]));
  return v;
}

function parentOf(root: RefObject, p: readonly string[]): RefObject {
  let node = root;
  for (const key of p.slice(0, -1)) {
    if (!isObject(node[key])) node[key] = {};
    node = node[key] as RefObject;
  }
  return node;
}

function listAt(root: RefObject, p: readonly string[]): RefList | undefined {
  let node: RefNode | undefined = root;
  for (const key of p) node = isObject(node) ? node[key] : undefined;
  return node instanceof RefList ? node : undefined;
}

function referenceFold(all: readonly Op[]): JsonObject | undefined {
  const sorted = [...all].sort((x, y) => (stampOf(x) === stampOf(y) ? x.seq - y.seq : stampOf(x) < stampOf(y) ? -1 : 1));
  let exists = false;
  let root: RefObject = {};
  for (const op of sorted) {
    const c = op.change;
    const stamp = stampOf(op);
    if (c.kind === 'put') root = internal(c.value, stamp) as RefObject;
    else if (c.kind === 'delete') { exists = false; continue; }
    else if (c.kind === 'set') parentOf(root, c.path)[c.path.at(-1) as string] = internal(c.value, stamp);
    else if (c.kind === 'unset') delete parentOf(root, c.path)[c.path.at(-1) as string];
    else if (c.kind === 'list-insert') {
      const parent = parentOf(root, c.path);
      const key = c.path.at(-1) as string;
      if (!(parent[key] instanceof RefList)) parent[key] = new RefList();
      const list = parent[key] as RefList;
      if (!list.items.some((it) => it.id === c.item)) list.items.push({ id: c.item, pos: c.pos, value: c.value });
    } else if (c.kind === 'list-remove') {
      const list = listAt(root, c.path);
      if (list) list.items = list.items.filter((it) => it.id !== c.item);
    } else if (c.kind === 'inc') {
      const parent = parentOf(root, c.path);
      const key = c.path.at(-1) as string;
      const current = parent[key];
      parent[key] = (typeof current === 'number' ? current : 0) + c.by;
    } else {
      const found = listAt(root, c.path)?.items.find((it) => it.id === c.item);
      if (found) found.pos = c.pos;
    }
    exists = true;
  }
  return exists ? (toJson(root) as JsonObject) : undefined;
}

function toJson(node: RefNode): Json {
  if (node instanceof RefList) {
    const order = (a: { id: string; pos: string }, b: { id: string; pos: string }) =>
      a.pos < b.pos ? -1 : a.pos > b.pos ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    return [...node.items].sort(order).map((it) => it.value);
  }
  if (isObject(node)) return Object.fromEntries(Object.entries(node).map(([k, c]) => [k, toJson(c)]));
  return node;
}

// ---------------------------------------------------------------------- laws

const oneShot = (all: readonly Op[]) => applyOps(emptyDocState, all);
const permuted = ops.chain((all) => fc.tuple(fc.constant(all), fc.shuffledSubarray(all, { minLength: all.length })));

describe('merge laws', () => {
  it('the pruned state materializes exactly like a naive sequential fold of all ops', () => {
    fc.assert(
      fc.property(ops, (all) => {
        expect(materialize(oneShot(all))).toEqual(referenceFold(all));
      }),
      { numRuns: 1000 },
    );
  });

  it('applying ops one at a time matches the reference fold after every op', () => {
    fc.assert(
      fc.property(permuted, ([, shuffled]) => {
        let state = emptyDocState;
        shuffled.forEach((op, i) => {
          state = applyOps(state, [op]);
          expect(materialize(state)).toEqual(referenceFold(shuffled.slice(0, i + 1)));
        });
        expect(state).toEqual(oneShot(shuffled));
      }),
      RUNS,
    );
  });

  it('the state keeps exactly the distinct entries that no newer entry dominates, in order', () => {
    fc.assert(
      fc.property(ops, (all) => {
        const entries = all.map((op) => ({ stamp: stampOf(op), seq: op.seq, change: op.change })).sort(compareEntries);
        const kept = entries.filter((e, i) => !entries.slice(i + 1).some((newer) => dominates(newer.change, e.change)));
        // A kept put holds null wherever a newer kept set or unset writes (through plain objects only).
        const expected = kept.map((e, i) => {
          if (e.change.kind !== 'put') return e;
          const value = structuredClone(e.change.value) as Record<string, Json>;
          for (const newer of kept.slice(i + 1)) {
            if ((newer.change.kind !== 'set' && newer.change.kind !== 'unset') || newer.change.path.length === 0) continue;
            let node: Record<string, Json> = value;
            const path = newer.change.path;
            for (let k = 0; k < path.length; k++) {
              const key = path[k] as string;
              if (!Object.hasOwn(node, key)) break;
              if (k === path.length - 1) node[key] = null;
              else {
                const next = node[key];
                if (next === null || typeof next !== 'object' || Array.isArray(next)) break;
                node = next as Record<string, Json>;
              }
            }
          }
          return { ...e, change: { kind: 'put' as const, value } };
        });
        expect(oneShot([...all, ...all]).entries).toEqual(expected);
      }),
      RUNS,
    );
  });

  it('any order of the same ops gives the same state and document', () => {
    fc.assert(
      fc.property(permuted, ([all, shuffled]) => {
        const a = oneShot(all);
        const b = oneShot(shuffled);
        expect(b).toEqual(a);
        expect(materialize(b)).toEqual(materialize(a));
        expect(lastWrite(b)).toEqual(lastWrite(a));
      }),
      RUNS,
    );
  });

  it('repeated ops change nothing', () => {
    const withRepeats = ops.chain((all) => fc.tuple(fc.constant(all), fc.shuffledSubarray(all), fc.shuffledSubarray(all)));
    fc.assert(
      fc.property(withRepeats, ([all, again, more]) => {
        const state = oneShot(all);
        expect(oneShot([...again, ...all, ...more])).toEqual(state);
        expect(applyOps(state, again)).toBe(state);
        expect(mergeStates(state, oneShot(more))).toBe(state);
      }),
      RUNS,
    );
  });

  it('any split into baseline and later ops gives the one-shot result', () => {
    const split = permuted.chain(([all, shuffled]) => fc.tuple(fc.constant(all), fc.constant(shuffled), fc.nat({ max: shuffled.length })));
    fc.assert(
      fc.property(split, ([all, shuffled, cut]) => {
        const expected = oneShot(all);
        const baseline = oneShot(shuffled.slice(0, cut));
        const rest = oneShot(shuffled.slice(cut));
        expect(applyOps(baseline, shuffled.slice(cut))).toEqual(expected);
        expect(mergeStates(baseline, rest)).toEqual(expected);
        expect(mergeStates(rest, baseline)).toEqual(expected);
        expect(materialize(mergeStates(baseline, rest))).toEqual(materialize(expected));
      }),
      RUNS,
    );
  });

  it('concurrent inserts of different items into one list are all kept, ordered by pos then id', () => {
    const inserts = fc.array(fc.record({ r: fc.constantFrom(...REPLICAS), pos, ms: fc.integer({ min: 2, max: 4 }) }), { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(inserts, fc.array(leaf, { maxLength: 3 }), (drafts, initial) => {
        const put: Op = { replicaId: 'r1', seq: 0, ts: formatTimestamp({ ms: 1, counter: 0 }), collection: 'c', id: 'doc', change: { kind: 'put', value: { a: initial } } };
        const inserted = drafts.map(({ r, pos: p, ms }, i): Op => ({
          replicaId: r, seq: i + 1, ts: formatTimestamp({ ms, counter: 0 }), collection: 'c', id: 'doc',
          change: { kind: 'list-insert', path: ['a'], item: `${r}-${i}`, pos: p, value: i },
        }));
        const items = listItemsAt(oneShot([...inserted.reverse(), put]), ['a']) ?? [];
        expect(items).toHaveLength(initial.length + drafts.length);
        expect(new Set(items.map((x) => x.item))).toEqual(new Set([...initial.map((_, i) => `${stampOf(put)}.${i}`), ...inserted.map((o) => (o.change as { item: string }).item)]));
        const keys = items.map((x) => [x.pos, x.item]);
        expect(keys).toEqual([...keys].sort(([p1, i1], [p2, i2]) => (p1 === p2 ? (i1! < i2! ? -1 : 1) : p1! < p2! ? -1 : 1)));
      }),
      RUNS,
    );
  });
});

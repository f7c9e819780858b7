/**
 * The packed form of ops and snapshot frames (protocol/packed.ts): whatever
 * the items and the chunk budget, packing then decoding gives back exactly
 * the items, in order (the same JSON text); no frame is over the budget
 * unless one item alone is; and a packed frame is never more than a few
 * dozen bytes over the plain frame of the same items.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatTimestamp, stampOf } from '../../src/core/index.js';
import type { Baseline, Change, Op } from '../../src/core/index.js';
import { EMPTY_PACKED, decodeServerMessage, encodeMessage, packFrames, packedFrame, utf8Length } from 'trellis/protocol';
import type { PackItem, ServerOp } from 'trellis/protocol';
import { change, op, replicaId } from '../helpers/protocol-arbitraries.js';

/** Bytes a packed frame may be over the plain frame of the same items: `"packed":{"replicas":[],"t0":…,"shapes":[]}` less nothing. */
const PACKED_OVERHEAD = utf8Length(EMPTY_PACKED) + 12;

const ts = fc.record({ ms: fc.integer({ min: 0, max: 32_503_680_000_000 }), counter: fc.integer({ min: 0, max: 36 ** 4 - 1 }) }).map(formatTimestamp);
/** A few replicas and collections, so rows share table entries and shapes. */
const someReplica = fc.oneof(fc.constantFrom('V1StGXR8_Z5jdHi6B-myT', 'r2'), replicaId);
const collection = fc.oneof(fc.constantFrom('items', 'lists'), fc.string({ minLength: 1, maxLength: 6 }));
const seq = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER });
/** An ASCII id or one with non-ASCII and astral characters. */
const id = fc.oneof(fc.string({ minLength: 1, maxLength: 10 }), fc.constantFrom('ä-ü', '漢字', '😀id', 'x'.repeat(256)));

const entry = fc.record({ stamp: fc.tuple(ts, someReplica).map(([t, r]) => t + r), seq, change });
/** A baseline as compaction makes it (replicaId and ts of its last entry), or with any stamp. */
const baseline: fc.Arbitrary<Baseline> = fc.oneof(
  fc.record({ collection, id, entries: fc.array(entry, { minLength: 1, maxLength: 4 }) }).map(({ collection, id, entries }) => {
    const last = (entries.at(-1) as { stamp: string }).stamp;
    return { collection, id, state: { entries }, replicaId: last.slice(13), ts: last.slice(0, 13) };
  }),
  fc.record({ collection, id, state: fc.record({ entries: fc.array(entry, { maxLength: 3 }) }), replicaId: someReplica, ts }),
);
/** Documents written alike: the same keys and kinds, other values (the common case the packed form is for). */
const alike: fc.Arbitrary<Baseline[]> = fc.array(fc.record({ id, title: fc.string(), n: fc.integer(), seq, t: ts }), { minLength: 1, maxLength: 20 }).map((docs) =>
  docs.map((d) => {
    const changes: Change[] = [
      { kind: 'put', value: { title: null, n: d.n, tags: ['a'] } },
      { kind: 'set', path: ['title'], value: d.title },
    ];
    const entries = changes.map((c, i) => ({ stamp: stampOf({ ts: d.t, replicaId: 'writer' }), seq: d.seq - i > 0 ? d.seq - i : d.seq, change: c }));
    return { collection: 'items', id: d.id, state: { entries }, replicaId: 'writer', ts: d.t };
  }),
);
const serverOp: fc.Arbitrary<ServerOp> = fc.record({
  serverSeq: seq,
  op: fc.oneof(op, fc.record({ replicaId: someReplica, seq, ts, collection, id, change }) as fc.Arbitrary<Op>),
});

const items: fc.Arbitrary<PackItem[]> = fc
  .tuple(fc.array(baseline, { maxLength: 12 }), alike, fc.array(serverOp, { maxLength: 12 }))
  .map(([a, b, ops]) => [...[...a, ...b].map((x) => ({ baseline: x })), ...ops.map((entry) => ({ entry }))]);

const head = { type: 'snapshot', epoch: 'é-epoch', serverSeq: 9, horizon: 3, progress: { received: 1, total: 1 }, done: false } as const;

function unpacked(frames: readonly string[]): { baselines: Baseline[]; ops: ServerOp[] } {
  const out = { baselines: [] as Baseline[], ops: [] as ServerOp[] };
  for (const frame of frames) {
    const decoded = decodeServerMessage(frame);
    if (!decoded.ok) throw decoded.error;
    if (decoded.value.type !== 'snapshot') throw new Error(`decoded a ${decoded.value.type}`);
    out.baselines.push(...decoded.value.baselines);
    out.ops.push(...decoded.value.ops);
  }
  return out;
}

const plainOf = (group: readonly PackItem[]) =>
  encodeMessage({
    ...head,
    baselines: group.flatMap((item) => ('baseline' in item ? [item.baseline] : [])),
    ops: group.flatMap((item) => ('entry' in item ? [item.entry] : [])),
  });

describe('packed ops and snapshot frames', () => {
  it('decode(pack(items)) is the items, in order, to the same JSON text, for any chunk budget', () => {
    fc.assert(
      fc.property(items, fc.integer({ min: 1, max: 4000 }), (list, budgetBytes) => {
        const envelopeBytes = utf8Length(packedFrame(head, EMPTY_PACKED));
        const frames = [...packFrames(list, { envelopeBytes, budgetBytes })].map((g) => packedFrame(head, g.packed));
        const back = unpacked(frames);
        const want = { baselines: list.flatMap((i) => ('baseline' in i ? [i.baseline] : [])), ops: list.flatMap((i) => ('entry' in i ? [i.entry] : [])) };
        expect(JSON.stringify(back)).toBe(JSON.stringify(want));
      }),
      { numRuns: 300 },
    );
  });

  it('a frame is over the budget only when it holds one item, and never more than a few bytes over that item\'s plain frame', () => {
    fc.assert(
      fc.property(items, fc.integer({ min: 1, max: 4000 }), (list, budgetBytes) => {
        const envelopeBytes = utf8Length(packedFrame(head, EMPTY_PACKED));
        let at = 0;
        for (const group of packFrames(list, { envelopeBytes, budgetBytes })) {
          const frame = packedFrame(head, group.packed);
          const count = group.baselines + group.ops;
          const slice = list.slice(at, at + count);
          at += count;
          if (count > 1) expect(utf8Length(frame)).toBeLessThanOrEqual(Math.max(budgetBytes, envelopeBytes));
          expect(utf8Length(frame)).toBeLessThanOrEqual(utf8Length(plainOf(slice)) + PACKED_OVERHEAD);
        }
        expect(at).toBe(list.length);
      }),
      { numRuns: 300 },
    );
  });

  it('packing the same items twice gives the same frames (deterministic, so both servers send the same bytes)', () => {
    fc.assert(
      fc.property(items, (list) => {
        const o = { envelopeBytes: 100, budgetBytes: 2000 };
        expect([...packFrames(list, o)]).toEqual([...packFrames(list, o)]);
      }),
      { numRuns: 100 },
    );
  });
});

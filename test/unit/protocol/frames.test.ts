/** The protocol's frame cutting, which client pushes and seeds and every server stream use. */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { formatTimestamp } from '../../../src/core/index.js';
import type { Baseline, Op } from '../../../src/core/index.js';
import {
  MAX_FRAME_BYTES,
  MAX_OP_BYTES,
  MAX_OPS_PER_PUSH,
  SNAPSHOT_CHUNK_BYTES,
  cutFrames,
  encodeMessage,
  frameBytes,
  highestSeq,
  jsonBytes,
  opBytes,
  pushBatch,
  seedChunks,
  seedOrder,
  utf8Exceeds,
  utf8Length,
  withLast,
} from 'trellis/protocol';
import { wireOp } from '../../helpers/wire-ops.js';

/** Text of any width in UTF-8: ASCII (1), Latin (2), CJK (3), astral emoji (4 bytes in 2 UTF-16 units). */
const piece = fc.constantFrom('a', 'é', '漢', '😀', '"', '\u0001');
const text = (maxPieces: number) => fc.array(piece, { maxLength: maxPieces }).map((pieces) => pieces.join(''));

describe('utf8Length', () => {
  test('counts what Buffer encodes, for any string (a lone surrogate is 3 bytes, as U+FFFD)', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => utf8Length(s) === Buffer.byteLength(s)));
  });

  test('utf8Exceeds is exact at the limit and one past it, whatever the width of the characters', () => {
    fc.assert(
      fc.property(text(200), (s) => {
        const bytes = utf8Length(s);
        return !utf8Exceeds(s, bytes) && (bytes === 0 || utf8Exceeds(s, bytes - 1));
      }),
    );
  });
});

describe('cutFrames', () => {
  /** The frame a group makes: an envelope with one array of the items. */
  const frameOf = (envelope: string, items: readonly string[]) => `{"e":"${envelope}","items":${JSON.stringify(items)}}`;

  test('every frame is within the budget in UTF-8 bytes, unless it is one item too big alone; order kept, nothing lost', () => {
    fc.assert(
      fc.property(fc.array(text(40), { maxLength: 40 }), text(10), fc.integer({ min: 1, max: 300 }), fc.option(fc.integer({ min: 1, max: 6 })), (items, envelope, budget, maxItems) => {
        const envelopeBytes = utf8Length(frameOf(envelope, []));
        const groups = [...cutFrames(items, { envelopeBytes, budgetBytes: envelopeBytes + budget, sizeOf: jsonBytes, ...(maxItems === null ? {} : { maxItems }) })];
        expect(groups.flat()).toEqual(items);
        for (const group of groups) {
          expect(group.length).toBeGreaterThan(0);
          if (maxItems !== null) expect(group.length).toBeLessThanOrEqual(maxItems);
          if (group.length > 1) expect(utf8Length(frameOf(envelope, group))).toBeLessThanOrEqual(envelopeBytes + budget);
        }
        // Greedy: the next item did not fit (or the count was reached), so no frame was cut early.
        for (const [i, group] of groups.slice(0, -1).entries()) {
          const next = (groups[i + 1] as string[])[0] as string;
          const full = maxItems !== null && group.length >= maxItems;
          expect(full || utf8Length(frameOf(envelope, [...group, next])) > envelopeBytes + budget).toBe(true);
        }
      }),
    );
  });

  test('an item bigger than the budget travels alone; nothing in, nothing out', () => {
    const groups = [...cutFrames(['ab', 'c'.repeat(50), 'd', 'e'], { envelopeBytes: 2, budgetBytes: 20, sizeOf: jsonBytes })];
    expect(groups).toEqual([['ab'], ['c'.repeat(50)], ['d', 'e']]);
    expect([...cutFrames([], { envelopeBytes: 2, budgetBytes: 20, sizeOf: jsonBytes })]).toEqual([]);
  });

  test('an item that fills the budget exactly shares no frame; one byte less leaves room for nothing more', () => {
    // `["aaaa"]` is 8 bytes: envelope 2 (`[]`) + item 6.
    expect([...cutFrames(['aaaa', 'b'], { envelopeBytes: 2, budgetBytes: 8, sizeOf: jsonBytes })]).toEqual([['aaaa'], ['b']]);
    // `["aaaa","b"]` is 12 bytes.
    expect([...cutFrames(['aaaa', 'b'], { envelopeBytes: 2, budgetBytes: 12, sizeOf: jsonBytes })]).toEqual([['aaaa', 'b']]);
    expect([...cutFrames(['aaaa', 'b'], { envelopeBytes: 2, budgetBytes: 11, sizeOf: jsonBytes })]).toEqual([['aaaa'], ['b']]);
  });
});

describe('withLast', () => {
  test('marks only the last value', () => {
    expect([...withLast([1, 2, 3])]).toEqual([
      { value: 1, last: false },
      { value: 2, last: false },
      { value: 3, last: true },
    ]);
    expect([...withLast([])]).toEqual([]);
  });
});

/** Ops of one replica, seqs from 1, with titles of `pieces` repeated. */
const opsOf = (titles: readonly string[]): Op[] =>
  titles.map((title, i) => wireOp({ replicaId: 'R', seq: i + 1, change: { kind: 'put', value: { title } } }));

/** Titles of up to ~900 kB of mixed-width text each, as few strings (repeat keeps generation cheap). */
const bigTitles = fc.array(fc.tuple(piece, fc.integer({ min: 0, max: 230_000 })).map(([p, n]) => p.repeat(n)), { minLength: 1, maxLength: 6 });

describe('pushBatch', () => {
  test('takes the longest prefix whose push frame is within MAX_FRAME_BYTES in UTF-8 bytes', () => {
    fc.assert(
      fc.property(bigTitles, (titles) => {
        const ops = opsOf(titles);
        // The store refuses bigger ops, so a push never meets one.
        fc.pre(ops.every((op) => opBytes(op) <= MAX_OP_BYTES));
        const batch = pushBatch(ops);
        expect(batch).toEqual(ops.slice(0, batch.length));
        expect(batch.length).toBeGreaterThan(0);
        expect(frameBytes({ type: 'push', ops: batch })).toBeLessThanOrEqual(MAX_FRAME_BYTES);
        const next = ops[batch.length];
        if (next !== undefined) expect(frameBytes({ type: 'push', ops: [...batch, next] })).toBeGreaterThan(MAX_FRAME_BYTES);
      }),
      { numRuns: 40 },
    );
  });

  test('three 510 kB CJK ops go in separate pushes of one or two, never one push of 1.5 MB', () => {
    const ops = opsOf(['漢', '字', '書'].map((c) => c.repeat(170_000)));
    const first = pushBatch(ops);
    expect(first).toHaveLength(2);
    expect(pushBatch(ops.slice(2))).toHaveLength(1);
  });

  test('an op of exactly MAX_OP_BYTES fits a push alone; at most MAX_OPS_PER_PUSH small ops go together', () => {
    const shell = wireOp({ replicaId: 'R', seq: 1, change: { kind: 'put', value: { title: '' } } });
    const big = wireOp({ replicaId: 'R', seq: 1, change: { kind: 'put', value: { title: 'y'.repeat(MAX_OP_BYTES - opBytes(shell)) } } });
    expect(opBytes(big)).toBe(MAX_OP_BYTES);
    expect(pushBatch([big, { ...big, seq: 2 }])).toEqual([big]);
    expect(utf8Length(encodeMessage({ type: 'push', ops: [big] }))).toBeLessThanOrEqual(MAX_FRAME_BYTES);
    expect(pushBatch(opsOf(Array(MAX_OPS_PER_PUSH + 5).fill('a')))).toHaveLength(MAX_OPS_PER_PUSH);
    expect(pushBatch([])).toEqual([]);
  });
});

describe('seedChunks', () => {
  const baselineOf = (title: string, i: number): Baseline => {
    const op = wireOp({ replicaId: 'R', seq: i + 1, id: `b-${i}`, change: { kind: 'put', value: { title } } });
    return { collection: op.collection, id: op.id, replicaId: 'R', ts: op.ts, state: { entries: [{ stamp: `${op.ts}R`, seq: op.seq, change: op.change }] } };
  };

  test('every seed frame is within SNAPSHOT_CHUNK_BYTES in UTF-8 unless one item is bigger alone; baselines then ops, in order, the last done', () => {
    const small = fc.array(fc.tuple(piece, fc.integer({ min: 0, max: 90_000 })).map(([p, n]) => p.repeat(n)), { maxLength: 8 });
    fc.assert(
      fc.property(small, small, (baselineTitles, opTitles) => {
        const baselines = baselineTitles.map(baselineOf);
        const ops = opsOf(opTitles);
        const chunks = seedChunks({ baselines, ops });
        expect(chunks.flatMap((c) => c.baselines)).toEqual(baselines);
        expect(chunks.flatMap((c) => c.ops)).toEqual(ops);
        expect(chunks.map((c) => c.done)).toEqual(chunks.map((_, i) => i === chunks.length - 1));
        for (const chunk of chunks) {
          if (chunk.baselines.length + chunk.ops.length > 1) expect(frameBytes(chunk)).toBeLessThanOrEqual(SNAPSHOT_CHUNK_BYTES);
          expect(chunk.ops.length).toBeLessThanOrEqual(MAX_OPS_PER_PUSH);
        }
      }),
      { numRuns: 40 },
    );
  });

  test('an empty history is one empty frame, done', () => {
    expect(seedChunks({ baselines: [], ops: [] })).toEqual([{ type: 'seed', baselines: [], ops: [], done: true }]);
  });
});

describe('seedOrder and highestSeq', () => {
  test('seedOrder: distinct ops by (ts, replicaId, seq), whatever the input order and repeats', () => {
    const ops = [wireOp({ replicaId: 'B', seq: 1, ms: 5 }), wireOp({ replicaId: 'A', seq: 2, ms: 5 }), wireOp({ replicaId: 'A', seq: 1, ms: 1 })];
    fc.assert(
      fc.property(fc.shuffledSubarray([...ops, ...ops], { minLength: 6, maxLength: 6 }), (shuffled) => {
        expect(seedOrder(shuffled).map((op) => `${op.replicaId}${op.seq}`)).toEqual(['A1', 'A2', 'B1']);
      }),
    );
  });

  test('highestSeq counts a replica’s ops and its writes kept inside baselines', () => {
    const ts = formatTimestamp({ ms: 1_700_000_000_000, counter: 0 });
    const baseline: Baseline = { collection: 'c', id: 'd', replicaId: 'A', ts, state: { entries: [{ stamp: `${ts}A`, seq: 9, change: { kind: 'delete' } }] } };
    expect(highestSeq({ ops: [wireOp({ replicaId: 'A', seq: 3 }), wireOp({ replicaId: 'B', seq: 12 })], baselines: [baseline] }, 'A')).toBe(9);
    expect(highestSeq({ ops: [wireOp({ replicaId: 'A', seq: 3 })], baselines: [] }, 'A')).toBe(3);
    expect(highestSeq({ ops: [], baselines: [baseline] }, 'AB')).toBe(0);
  });
});

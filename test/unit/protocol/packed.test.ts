/**
 * The packed form at its edges (protocol/packed.ts): the largest op in the
 * largest packed envelope, frames at and one past MAX_FRAME_BYTES, the plain
 * fallback, hostile packed frames (each refused with PROTOCOL_INVALID_MESSAGE),
 * a row that decodes past the size its plain form may have, and the size of a
 * snapshot of documents written alike.
 */
import { describe, expect, test } from 'vitest';
import { ErrorCode, formatTimestamp } from '../../../src/core/index.js';
import type { Baseline, Op } from '../../../src/core/index.js';
import { applyOps, emptyDocState } from '../../../src/merge/index.js';
import {
  EMPTY_PACKED,
  MAX_BASELINE_BYTES,
  MAX_EPOCH_LENGTH,
  MAX_FRAME_BYTES,
  MAX_NAME_LENGTH,
  MAX_OP_BYTES,
  MAX_TIMESTAMP_MS,
  SNAPSHOT_CHUNK_BYTES,
  decodeServerMessage,
  opBytes,
  packFrames,
  packedFrame,
  utf8Length,
} from 'trellis/protocol';
import type { PackItem, SnapshotMessage } from 'trellis/protocol';
import { makeItems, reviseItem } from '../../../bench/client/items.js';

const MAX = Number.MAX_SAFE_INTEGER;
const TS = formatTimestamp({ ms: 1_765_000_000_000, counter: 7 });
const snapshotHead = { type: 'snapshot', epoch: '\u0001'.repeat(MAX_EPOCH_LENGTH), serverSeq: MAX, horizon: MAX, progress: { received: MAX, total: MAX }, done: false } as const;

/** Packs items into one snapshot frame each time they fit the budget. */
function snapshotFrames(items: readonly PackItem[], budgetBytes = SNAPSHOT_CHUNK_BYTES): string[] {
  const envelopeBytes = utf8Length(packedFrame(snapshotHead, EMPTY_PACKED));
  return [...packFrames(items, { envelopeBytes, budgetBytes })].map((group) => packedFrame(snapshotHead, group.packed));
}

function decoded(frame: string) {
  const result = decodeServerMessage(frame);
  if (!result.ok) throw result.error;
  return result.value;
}

/** The error a frame decodes to (it must not decode). */
function refusal(frame: string) {
  const result = decodeServerMessage(frame);
  if (result.ok) throw new Error('the frame decoded');
  return result.error;
}

/** An op of exactly `bytes` (opBytes), ids at their longest and non-ASCII, padded with a 3-byte character. */
function opOfBytes(bytes: number): Op {
  const shell: Op = {
    replicaId: 'r'.repeat(64),
    seq: MAX,
    ts: formatTimestamp({ ms: MAX_TIMESTAMP_MS, counter: 36 ** 4 - 1 }),
    collection: 'ç'.repeat(MAX_NAME_LENGTH),
    id: '😀'.repeat(MAX_NAME_LENGTH / 2),
    change: { kind: 'put', value: { pad: '' } },
  };
  const wide = '漢'.repeat(Math.floor((bytes - opBytes(shell)) / 3));
  const rest = bytes - opBytes({ ...shell, change: { kind: 'put', value: { pad: wide } } });
  const op: Op = { ...shell, change: { kind: 'put', value: { pad: `${'x'.repeat(rest)}${wide}` } } };
  expect(opBytes(op)).toBe(bytes);
  return op;
}

/** A packed ops frame from hand-written tables and rows (what a hostile or broken server could send). */
const opsFrame = (packed: Record<string, unknown>) =>
  JSON.stringify({ type: 'ops', packed: { replicas: ['A'], t0: TS, shapes: [['o', 'todos', ['delete']]], baselines: [], ops: [], ...packed } });

describe('packed frames at the limits', () => {
  test.each([
    ['snapshot', snapshotHead],
    ['catch-up ops', { type: 'ops', progress: { received: MAX, total: MAX } }],
    ['live ops', { type: 'ops' }],
  ] as const)('an op of exactly MAX_OP_BYTES, packed alone in the largest %s envelope, is a frame within MAX_FRAME_BYTES that decodes to it', (_, head) => {
    const op = opOfBytes(MAX_OP_BYTES);
    const envelopeBytes = utf8Length(packedFrame(head, EMPTY_PACKED));
    const [group, ...more] = [...packFrames([{ entry: { serverSeq: MAX, op } }], { envelopeBytes, budgetBytes: SNAPSHOT_CHUNK_BYTES })];
    expect(more).toEqual([]);
    const frame = packedFrame(head, (group as { packed: string }).packed);
    expect(utf8Length(frame)).toBeLessThanOrEqual(MAX_FRAME_BYTES);
    expect(decoded(frame)).toMatchObject({ type: head.type, ops: [{ serverSeq: MAX, op }] });
  });

  test('a baseline of exactly MAX_BASELINE_BYTES (its state the largest op) packs alone within MAX_FRAME_BYTES and decodes to it', () => {
    const shell = opOfBytes(MAX_OP_BYTES);
    const entry = { stamp: shell.ts + shell.replicaId, seq: MAX, change: shell.change };
    const base: Baseline = { collection: shell.collection, id: shell.id, state: { entries: [entry] }, replicaId: shell.replicaId, ts: shell.ts };
    // Trim the padding until the baseline's JSON is exactly MAX_BASELINE_BYTES (ASCII first, so the count is exact).
    const over = utf8Length(JSON.stringify(base)) - MAX_BASELINE_BYTES;
    const pad = shell.change.kind === 'put' ? String(shell.change.value.pad) : '';
    const trimmed = pad.slice(0, pad.length - Math.ceil(over / 3)) + 'x'.repeat(Math.ceil(over / 3) * 3 - over);
    const baseline: Baseline = { ...base, state: { entries: [{ ...entry, change: { kind: 'put', value: { pad: trimmed } } }] } };
    expect(utf8Length(JSON.stringify(baseline))).toBe(MAX_BASELINE_BYTES);
    const [frame, ...more] = snapshotFrames([{ baseline }]);
    expect(more).toEqual([]);
    expect(utf8Length(frame as string)).toBeLessThanOrEqual(MAX_FRAME_BYTES);
    expect(decoded(frame as string)).toMatchObject({ baselines: [baseline] });
  });

  test('a packed frame of exactly MAX_FRAME_BYTES decodes; one byte more is PROTOCOL_MESSAGE_TOO_LARGE', () => {
    const op = opOfBytes(MAX_OP_BYTES);
    const frame = snapshotFrames([{ entry: { serverSeq: 1, op } }])[0] as string;
    // Pad the epoch-free envelope with spaces (JSON whitespace) up to the limit, then one past it.
    const padded = `${frame.slice(0, -1)}${' '.repeat(MAX_FRAME_BYTES - utf8Length(frame))}}`;
    expect(utf8Length(padded)).toBe(MAX_FRAME_BYTES);
    expect(decoded(padded)).toMatchObject({ type: 'snapshot', ops: [{ serverSeq: 1, op }] });
    expect(refusal(`${padded} `).code).toBe(ErrorCode.PROTOCOL_MESSAGE_TOO_LARGE);
  });

  test('an item whose packed row would be bigger travels as its plain JSON, and the frame is no bigger than the plain one', () => {
    // Many one-character members: the shape repeats every key and the row adds a comma per leaf.
    const value = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, 0]));
    const op: Op = { replicaId: 'A', seq: 1, ts: TS, collection: 'c', id: 'i', change: { kind: 'put', value } };
    const [frame] = snapshotFrames([{ entry: { serverSeq: 1, op } }]);
    const raw = JSON.parse(frame as string) as { packed: { ops: unknown[]; shapes: unknown[] } };
    expect(raw.packed.ops).toEqual([{ serverSeq: 1, op }]);
    expect(raw.packed.shapes).toEqual([]);
    expect(decoded(frame as string)).toMatchObject({ ops: [{ serverSeq: 1, op }] });
  });

  test('a row that decodes to more than MAX_BASELINE_BYTES is refused, though its frame is under MAX_FRAME_BYTES', () => {
    // 40,000 deletes: 8 bytes of row and 11 of shape each, about 110 bytes each once decoded.
    const count = 40_000;
    const shape = ['b', 'todos', Array.from({ length: count }, () => ['delete']), 0];
    const row = [0, 'doc', ...Array.from({ length: count }, (_, i) => [0, 0, 0, i + 1]).flat()];
    const frame = JSON.stringify({ type: 'snapshot', epoch: 'e', serverSeq: 1, horizon: 0, progress: { received: 1, total: 1 }, done: true, packed: { replicas: ['r'.repeat(64)], t0: TS, shapes: [shape], baselines: [row], ops: [] } });
    expect(utf8Length(frame)).toBeLessThan(MAX_FRAME_BYTES);
    const error = refusal(frame);
    expect(error.code).toBe(ErrorCode.PROTOCOL_INVALID_MESSAGE);
    expect(error.message).toMatch(/decodes to more than 1044480 bytes/);
  });

  test('a row whose size bound passes the limit but whose real size does not is accepted (sized exactly)', () => {
    // 200,000 ASCII characters: bounded at 6 bytes each (1.2 MB), 200 KB in fact.
    const op: Op = { replicaId: 'A', seq: 1, ts: TS, collection: 'c', id: 'i', change: { kind: 'set', path: ['t'], value: 'a'.repeat(200_000) } };
    expect(decoded(snapshotFrames([{ entry: { serverSeq: 1, op } }])[0] as string)).toMatchObject({ ops: [{ op }] });
  });
});

describe('hostile packed frames are refused with PROTOCOL_INVALID_MESSAGE', () => {
  const cases: Record<string, string> = {
    'a row naming a shape the frame does not list': opsFrame({ ops: [[3, 1, 'id', 0, 0, 0, 1]] }),
    'a row naming a replica the frame does not list': opsFrame({ ops: [[0, 1, 'id', 5, 0, 0, 1]] }),
    'a row with a leaf missing': opsFrame({ ops: [[0, 1, 'id', 0, 0, 0]] }),
    'a row with a leaf too many': opsFrame({ ops: [[0, 1, 'id', 0, 0, 0, 1, 'extra']] }),
    'a timestamp before 1970': opsFrame({ ops: [[0, 1, 'id', 0, -1_765_000_000_001, 0, 1]] }),
    'a timestamp counter out of range': opsFrame({ ops: [[0, 1, 'id', 0, 0, 36 ** 4, 1]] }),
    'a fractional millisecond': opsFrame({ ops: [[0, 1, 'id', 0, 0.5, 0, 1]] }),
    'an unknown change kind': opsFrame({ shapes: [['o', 'todos', ['drop']]], ops: [[0, 1, 'id', 0, 0, 0, 1]] }),
    'a kind named after an Object.prototype member': opsFrame({ shapes: [['o', 'todos', ['constructor']]], ops: [[0, 1, 'id', 0, 0, 0, 1]] }),
    'a __proto__ key in a value shape': opsFrame({ shapes: [['o', 'todos', ['put', ['__proto__', 0]]]], ops: [[0, 1, 'id', 0, 0, 0, 1, { polluted: true }]] }),
    'a value shape nested past MAX_JSON_DEPTH': opsFrame({
      shapes: [['o', 'todos', ['put', JSON.parse(`${'["a",'.repeat(40)}0${']'.repeat(40)}`)]]],
      ops: [[0, 1, 'id', 0, 0, 0, 1, 1]],
    }),
    'a baseline shape used by an op row': opsFrame({ shapes: [['b', 'todos', [['delete']], 0]], ops: [[0, 1, 'id', 0, 0, 0, 1]] }),
    'baselines in an ops frame': opsFrame({ shapes: [['b', 'todos', [['delete']], 0]], baselines: [[0, 'id', 0, 0, 0, 1]] }),
    'a replica table entry that is no replica id': opsFrame({ replicas: ['not a replica id!'], ops: [[0, 1, 'id', 0, 0, 0, 1]] }),
    'an unknown field in the packed object': opsFrame({ extra: 1 }),
    'both packed and plain ops': JSON.stringify({ type: 'ops', ops: [], packed: JSON.parse(opsFrame({})).packed }),
    'a decoded op the plain schema refuses (NUL in its id)': opsFrame({ ops: [[0, 1, 'a\u0000b', 0, 0, 0, 1]] }),
  };

  test.each(Object.keys(cases))('%s', (name) => {
    const error = refusal(cases[name] as string);
    expect(error.code).toBe(ErrorCode.PROTOCOL_INVALID_MESSAGE);
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  test('the well-formed frame those cases break decodes', () => {
    expect(decoded(opsFrame({ ops: [[0, 1, 'id', 0, 0, 0, 1]] }))).toEqual({
      type: 'ops',
      ops: [{ serverSeq: 1, op: { replicaId: 'A', seq: 1, ts: formatTimestamp({ ms: 1_765_000_000_000, counter: 0 }), collection: 'todos', id: 'id', change: { kind: 'delete' } } }],
    });
  });
});

describe('packed snapshot size', () => {
  test('10,000 documents written as the bench writes them (a put, four one-field updates) pack within 1.3x their JSON', () => {
    const replicaId = 'V1StGXR8_Z5jdHi6B-myT';
    const docs = makeItems('late', 10_000);
    const history = docs.map((doc, i) => [{ replicaId, seq: i + 1, ts: formatTimestamp({ ms: 1_765_000_000_000 + i, counter: 0 }), collection: 'items', id: doc.id, change: { kind: 'put' as const, value: { ...doc } } }] as Op[]);
    for (let round = 0; round < 4; round++) {
      docs.forEach((doc, i) => {
        const { field, value } = reviseItem(doc, round);
        (doc as unknown as Record<string, unknown>)[field] = value;
        const ts = formatTimestamp({ ms: 1_765_000_100_000 + round * 60_000 + i, counter: 3 });
        history[i]?.push({ replicaId, seq: (round + 1) * 10_000 + i + 1, ts, collection: 'items', id: doc.id, change: { kind: 'set', path: [field], value } });
      });
    }
    const baselines: Baseline[] = history.map((ops) => {
      const state = applyOps(emptyDocState, ops);
      const last = state.entries.at(-1)?.stamp as string;
      return { collection: 'items', id: (ops[0] as Op).id, state, replicaId: last.slice(13), ts: last.slice(0, 13) };
    });
    const frames = snapshotFrames(baselines.map((baseline) => ({ baseline })));
    const packed = frames.reduce((sum, frame) => sum + utf8Length(frame), 0);
    const raw = docs.reduce((sum, doc) => sum + utf8Length(JSON.stringify(doc)), 0);
    const plain = baselines.reduce((sum, baseline) => sum + utf8Length(JSON.stringify(baseline)), 0);
    expect(packed / raw).toBeLessThanOrEqual(1.3);
    expect(plain / raw).toBeGreaterThan(3);
    expect(frames.flatMap((frame) => (decoded(frame) as SnapshotMessage).baselines)).toEqual(baselines);
  });
});

import { describe, expect, test } from 'vitest';
import { ErrorCode } from 'trellis';
import type { Baseline, Op } from 'trellis';
import { MAX_BASELINE_BYTES, MAX_FRAME_BYTES, baselineFits, encodeMessage, utf8Length } from 'trellis/protocol';
import type { ServerMessage } from 'trellis/protocol';
import { applyOps, emptyDocState, materialize, mergeStates } from '../../../src/merge/index.js';
import type { DocState } from '../../../src/core/index.js';
import { createFakeServer } from '../../helpers/fake-sync-server.js';
import type { FakeClient, FakeServer } from '../../helpers/fake-sync-server.js';
import { wireOp } from '../../helpers/wire-ops.js';

const ITEM = 400_000;

const put = (seq: number, id: string, value: Record<string, never[] | string>): Op => wireOp({ replicaId: 'A', seq, id, change: { kind: 'put', value } });
const insert = (seq: number, fill: string): Op =>
  wireOp({ replicaId: 'A', seq, id: 'big', change: { kind: 'list-insert', path: ['tags'], item: `i${seq}`, pos: `a${seq}`, value: fill.repeat(ITEM) } });
const setTitle = (seq: number, id: string): Op => wireOp({ replicaId: 'A', seq, id, change: { kind: 'set', path: ['title'], value: `t${seq}` } });

/** A seeded 'big' (empty list) and 's' as ops; A stays connected. */
function seeded(fake: FakeServer): FakeClient {
  const a = fake.connect('lib');
  a.hello({ replicaId: 'A', localSeq: 2, atRisk: 2 });
  a.send({ type: 'seed', baselines: [], ops: [put(1, 'big', { title: 'big', tags: [] }), put(2, 's', { title: 's' })], done: true });
  a.take('synced');
  return a;
}

function pushAll(a: FakeClient, ops: readonly Op[]): void {
  for (const op of ops) {
    a.send({ type: 'push', ops: [op] });
    a.take('ack');
  }
}

/** The documents a late joiner holds after its snapshot. */
function joinerDocuments(fake: FakeServer, replicaId = 'L'): { docs: Record<string, unknown>; frames: ServerMessage[]; late: FakeClient } {
  const late = fake.connect('lib');
  late.hello({ replicaId });
  late.send({ type: 'join', replicaId: `${replicaId}2` });
  const frames = late.takeAll('snapshot');
  late.take('synced');
  const states = new Map<string, DocState>();
  for (const frame of frames) for (const b of frame.baselines) states.set(b.id, mergeStates(states.get(b.id) ?? emptyDocState, b.state));
  for (const frame of frames) for (const { op } of frame.ops) states.set(op.id, applyOps(states.get(op.id) ?? emptyDocState, [op]));
  return { docs: Object.fromEntries([...states].map(([id, s]) => [id, materialize(s)]).sort()), frames, late };
}

const rows = (fake: FakeServer, sql: string) => fake.sql.exec<Record<string, unknown>>(sql);

describe('compaction of documents too large for one baseline', () => {
  test('server compaction keeps the ops of a document whose baseline would pass MAX_BASELINE_BYTES and compacts the others', () => {
    const fake = createFakeServer();
    const a = seeded(fake);
    pushAll(a, [insert(3, 'x'), insert(4, 'y'), insert(5, 'z'), setTitle(6, 's')]);
    a.send({ type: 'cursor', serverSeq: 6 });
    expect(fake.server.compact('lib')[0]).toMatchObject({ horizon: 6 });
    expect(rows(fake, 'SELECT id FROM baselines ORDER BY id')).toEqual([{ id: 's' }]);
    expect(rows(fake, 'SELECT server_seq, id FROM ops ORDER BY server_seq')).toEqual([1, 3, 4, 5].map((s) => ({ server_seq: s, id: 'big' })));

    const { docs, frames } = joinerDocuments(fake);
    expect(docs).toEqual({ big: { title: 'big', tags: ['x', 'y', 'z'].map((c) => c.repeat(ITEM)) }, s: { title: 't6' } });
    for (const frame of frames) expect(utf8Length(encodeMessage(frame))).toBeLessThanOrEqual(MAX_FRAME_BYTES);
  });

  test('an oversized document keeps its earlier baseline as it was, and is compacted once it fits again', () => {
    const fake = createFakeServer();
    const a = seeded(fake);
    a.send({ type: 'cursor', serverSeq: 2 });
    fake.server.compact('lib');
    const small = rows(fake, "SELECT state FROM baselines WHERE id = 'big'");
    expect(small).toHaveLength(1);
    pushAll(a, [insert(3, 'x'), insert(4, 'y'), insert(5, 'z')]);
    a.send({ type: 'cursor', serverSeq: 5 });
    fake.server.compact('lib');
    expect(rows(fake, "SELECT state FROM baselines WHERE id = 'big'")).toEqual(small);
    expect(rows(fake, 'SELECT server_seq FROM ops ORDER BY server_seq')).toEqual([{ server_seq: 3 }, { server_seq: 4 }, { server_seq: 5 }]);
    const first = joinerDocuments(fake);
    expect(first.docs.big).toEqual({ title: 'big', tags: ['x', 'y', 'z'].map((c) => c.repeat(ITEM)) });

    pushAll(a, [put(6, 'big', { title: 'small again', tags: [] })]);
    a.send({ type: 'cursor', serverSeq: 6 });
    first.late.send({ type: 'cursor', serverSeq: 6 });
    fake.server.compact('lib');
    expect(rows(fake, 'SELECT COUNT(*) AS n FROM ops')).toEqual([{ n: 0 }]);
    expect(joinerDocuments(fake, 'M').docs.big).toEqual({ title: 'small again', tags: [] });
  });

  test('a seed whose baseline is one byte over MAX_BASELINE_BYTES is refused; one at the limit is stored', () => {
    const baselineOf = (bytes: number): Baseline => {
      const op = put(1, 'doc', { title: '' });
      const base: Baseline = { collection: op.collection, id: op.id, state: { entries: [{ stamp: op.ts + op.replicaId, seq: 1, change: op.change }] }, replicaId: 'A', ts: op.ts };
      const pad = bytes - utf8Length(JSON.stringify(base));
      return { ...base, state: { entries: [{ stamp: op.ts + op.replicaId, seq: 1, change: { kind: 'put', value: { title: 'y'.repeat(pad) } } }] } };
    };
    const over = baselineOf(MAX_BASELINE_BYTES + 1);
    expect(utf8Length(JSON.stringify(over))).toBe(MAX_BASELINE_BYTES + 1);
    expect(baselineFits(over)).toBe(false);
    const fake = createFakeServer();
    const a = fake.connect('lib');
    a.hello({ replicaId: 'A', localSeq: 1, atRisk: 1 });
    a.send({ type: 'seed', baselines: [over], ops: [], done: true });
    expect(a.take('error')).toMatchObject({ code: ErrorCode.PROTOCOL_BASELINE_TOO_LARGE, details: { limit: MAX_BASELINE_BYTES } });
    expect(rows(fake, 'SELECT COUNT(*) AS n FROM baselines')).toEqual([{ n: 0 }]);
    a.disconnect();

    const b = fake.connect('lib');
    b.hello({ replicaId: 'B', localSeq: 1, atRisk: 1 });
    const atLimit = { ...baselineOf(MAX_BASELINE_BYTES), replicaId: 'A' };
    expect(baselineFits(atLimit)).toBe(true);
    b.send({ type: 'seed', baselines: [atLimit], ops: [], done: true });
    b.take('synced');
    const { frames } = joinerDocuments(fake);
    for (const frame of frames) expect(utf8Length(encodeMessage(frame))).toBeLessThanOrEqual(MAX_FRAME_BYTES);
  });
});

import { describe, expect, test } from 'vitest';
import { ErrorCode } from 'trellis';
import type { Baseline, Op } from 'trellis';
import { applyOps, emptyDocState, materialize } from '../../../src/merge/index.js';
import { createFakeServer } from '../../helpers/fake-sync-server.js';
import type { FakeClient, FakeServer } from '../../helpers/fake-sync-server.js';
import { wireOp } from '../../helpers/wire-ops.js';

const DAY = 86_400_000;

/** A seeded by A (nothing), then B joined as B2; returns both live. */
function twoReplicas(fake: FakeServer): { a: FakeClient; b: FakeClient } {
  const a = fake.connect('lib');
  a.hello({ replicaId: 'A', localSeq: 1, atRisk: 1 });
  a.send({ type: 'seed', baselines: [], ops: [wireOp({ replicaId: 'A', seq: 1, id: 'n1', change: { kind: 'put', value: { n: 0 } } })], done: true });
  a.take('synced');
  const b = fake.connect('lib');
  b.hello({ replicaId: 'B' });
  b.send({ type: 'join', replicaId: 'B2' });
  b.take('synced');
  return { a, b };
}

const sets = (replicaId: string, from: number, to: number): Op[] =>
  Array.from({ length: to - from + 1 }, (_, i) =>
    wireOp({ replicaId, seq: from + i, ms: 100 + from + i, id: `n${(from + i) % 3}`, change: { kind: 'set', path: ['n'], value: from + i } }),
  );

function documents(baselines: readonly Baseline[], ops: readonly Op[]): Record<string, unknown> {
  const states = new Map(baselines.map((b) => [b.id, b.state]));
  for (const op of ops) states.set(op.id, applyOps(states.get(op.id) ?? emptyDocState, [op]));
  return Object.fromEntries([...states].map(([id, state]) => [id, materialize(state)]).sort());
}

describe('horizon and compaction', () => {
  test('the horizon moves only when every active replica has sent a cursor past it', () => {
    const fake = createFakeServer();
    const { a, b } = twoReplicas(fake);
    a.send({ type: 'push', ops: sets('A', 2, 5) });
    expect(fake.server.compact('lib')).toEqual([{ library: 'lib', horizon: 1, squashed: 1, more: false }]);
    a.send({ type: 'cursor', serverSeq: 5 });
    expect(fake.server.compact('lib')[0]?.horizon).toBe(1);
    b.send({ type: 'cursor', serverSeq: 3 });
    expect(fake.server.compact('lib')[0]).toEqual({ library: 'lib', horizon: 3, squashed: 2, more: false });
    b.send({ type: 'cursor', serverSeq: 5 });
    expect(fake.server.compact('lib')[0]).toEqual({ library: 'lib', horizon: 5, squashed: 2, more: false });
    expect(b.takeAll('horizon').map((h) => h.serverSeq)).toEqual([1, 3, 5]);
  });

  test('a cursor never moves backwards and may not pass the head', () => {
    const fake = createFakeServer();
    const { a } = twoReplicas(fake);
    a.send({ type: 'cursor', serverSeq: 2 });
    expect(a.take('error')).toMatchObject({ code: ErrorCode.PROTOCOL_INVALID_MESSAGE, details: { path: ['serverSeq'] } });
    a.send({ type: 'cursor', serverSeq: 0 });
    expect(fake.sql.exec("SELECT acked_seq FROM replicas WHERE replica = 'A'")).toEqual([{ acked_seq: 1 }]);
  });

  test('a replica away longer than the truancy window stops holding the horizon back', () => {
    const fake = createFakeServer({ truancyMs: DAY });
    const { a, b } = twoReplicas(fake);
    a.send({ type: 'push', ops: sets('A', 2, 4) });
    b.disconnect();
    a.send({ type: 'cursor', serverSeq: 4 });
    expect(fake.server.compact('lib')[0]?.horizon).toBe(1);
    fake.now += 2 * DAY;
    a.send({ type: 'cursor', serverSeq: 4 }); // A stays active: messages refresh last_seen
    expect(fake.server.compact('lib')[0]?.horizon).toBe(4);
    expect(fake.sql.exec('SELECT replica, status FROM replicas ORDER BY replica')).toEqual([
      { replica: 'A', status: 'active' },
      { replica: 'B2', status: 'truant' },
    ]);
  });

  test('a connected replica is never made truant, however long it stays quiet', () => {
    const fake = createFakeServer({ truancyMs: DAY });
    twoReplicas(fake);
    fake.now += 10 * DAY;
    fake.server.compact();
    expect(fake.sql.exec("SELECT COUNT(*) AS n FROM replicas WHERE status = 'truant'")).toEqual([{ n: 0 }]);
  });

  test('squashed ops become baselines that materialize like the ops did, tagged with the last write', () => {
    const fake = createFakeServer();
    const { a, b } = twoReplicas(fake);
    const ops = [...sets('A', 2, 6)];
    a.send({ type: 'push', ops });
    b.send({ type: 'push', ops: sets('B2', 1, 2) });
    const all = [wireOp({ replicaId: 'A', seq: 1, id: 'n1', change: { kind: 'put', value: { n: 0 } } }), ...ops, ...sets('B2', 1, 2)];
    const before = documents([], all);
    a.send({ type: 'cursor', serverSeq: 6 });
    b.send({ type: 'cursor', serverSeq: 6 });
    expect(fake.server.compact('lib')[0]).toMatchObject({ horizon: 6, squashed: 6 });
    const late = fake.connect('lib');
    late.hello({ replicaId: 'L' });
    late.send({ type: 'join', replicaId: 'L2' });
    const snapshot = late.take('snapshot');
    expect(snapshot).toMatchObject({ horizon: 6, serverSeq: 8, done: true, progress: { received: 5, total: 5 } });
    expect(snapshot.ops.map((o) => o.serverSeq)).toEqual([7, 8]);
    expect(documents(snapshot.baselines, snapshot.ops.map((o) => o.op))).toEqual(before);
    const n1 = snapshot.baselines.find((bl) => bl.id === 'n1');
    expect(n1).toMatchObject({ replicaId: 'A', ts: wireOp({ replicaId: 'A', seq: 4, ms: 104 }).ts });
  });

  test('with compactEveryOps 1, a cursor compacts at once and broadcasts the horizon', () => {
    const fake = createFakeServer({ limits: { compactEveryOps: 1 } });
    const { a, b } = twoReplicas(fake);
    a.send({ type: 'push', ops: sets('A', 2, 3) });
    a.send({ type: 'cursor', serverSeq: 3 });
    b.send({ type: 'cursor', serverSeq: 3 });
    expect(a.takeAll('horizon').at(-1)).toEqual({ type: 'horizon', serverSeq: 3 });
    expect(fake.sql.exec('SELECT COUNT(*) AS n FROM ops')).toEqual([{ n: 0 }]);
  });

  test('a resuming replica whose cursor is behind the horizon must reset', () => {
    const fake = createFakeServer();
    const { a, b } = twoReplicas(fake);
    a.send({ type: 'push', ops: sets('A', 2, 3) });
    a.send({ type: 'cursor', serverSeq: 3 });
    b.send({ type: 'cursor', serverSeq: 3 });
    fake.server.compact();
    const epoch = fake.sql.exec<{ epoch: string }>('SELECT epoch FROM libraries')[0]?.epoch ?? '';
    expect(fake.connect('lib').hello({ replicaId: 'A', cursor: { epoch, serverSeq: 2 }, localSeq: 3 })).toMatchObject({ reason: 'library-reset' });
    expect(fake.connect('lib').hello({ replicaId: 'A', cursor: { epoch, serverSeq: 3 }, localSeq: 3 }).decision).toBe('resume');
  });
});

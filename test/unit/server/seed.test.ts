import { describe, expect, test } from 'vitest';
import { ErrorCode } from 'trellis';
import { applyOps, emptyDocState, materialize } from '../../../src/merge/index.js';
import { CloseCode } from 'trellis/protocol';
import { createFakeServer } from '../../helpers/fake-sync-server.js';
import type { FakeServer } from '../../helpers/fake-sync-server.js';
import { wireOp, wireOps } from '../../helpers/wire-ops.js';

const opCount = (fake: FakeServer) => fake.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM ops')[0]?.n;

describe('seed', () => {
  test('chunks are buffered; the last one stores the whole history in one go and answers synced', () => {
    const fake = createFakeServer();
    const a = fake.connect('lib');
    const decision = a.hello({ replicaId: 'A', localSeq: 5, atRisk: 7 });
    expect(decision).toMatchObject({ decision: 'accept', serverSeq: 0, horizon: 0, replicaSeq: 0 });
    const others = wireOps('Z', 1, 2, { ms: 0 });
    a.send({ type: 'seed', baselines: [], ops: wireOps('A', 1, 3), done: false });
    a.send({ type: 'seed', baselines: [], ops: others, done: false });
    expect(opCount(fake)).toBe(0);
    expect(a.inbox).toEqual([]);
    a.send({ type: 'seed', baselines: [], ops: wireOps('A', 4, 4), done: true });
    expect(a.take('synced')).toEqual({ type: 'synced', serverSeq: 6 });
    // Server seqs follow (ts, replicaId, seq): Z's earlier writes come first.
    expect(fake.sql.exec('SELECT server_seq, replica, seq FROM ops ORDER BY server_seq').map((r) => `${r.replica}${r.seq}`)).toEqual(['Z1', 'Z2', 'A1', 'A2', 'A3', 'A4']);
    expect(fake.sql.exec('SELECT epoch, head_seq FROM libraries')).toEqual([{ epoch: decision.epoch, head_seq: 6 }]);
    expect(fake.sql.exec('SELECT replica, max_seq, acked_seq, status FROM replicas')).toEqual([{ replica: 'A', max_seq: 5, acked_seq: 6, status: 'active' }]);
  });

  test('after the seed the seeder is live and pushes from its own next seq', () => {
    const fake = createFakeServer();
    const a = fake.connect('lib');
    a.hello({ replicaId: 'A', localSeq: 2, atRisk: 2 });
    a.send({ type: 'seed', baselines: [], ops: wireOps('A', 1, 2), done: true });
    a.send({ type: 'push', ops: wireOps('A', 3, 3) });
    expect(a.take('ack')).toMatchObject({ fromSeq: 3, firstServerSeq: 3 });
  });

  test('repeated identical ops are stored once; a repeated seq with other content is a fork and drops the seed', () => {
    const fake = createFakeServer();
    const a = fake.connect('lib');
    a.hello({ replicaId: 'A', localSeq: 1, atRisk: 1 });
    a.send({ type: 'seed', baselines: [], ops: [...wireOps('A', 1, 1), wireOp({ replicaId: 'A', seq: 1, change: { kind: 'delete' } })], done: true });
    expect(a.take('error')).toMatchObject({ code: ErrorCode.FORK_DETECTED, details: { replicaId: 'A', seq: 1 } });
    expect(opCount(fake)).toBe(0);
    a.send({ type: 'seed', baselines: [], ops: [...wireOps('A', 1, 1), ...wireOps('A', 1, 1)], done: true });
    expect(a.take('synced').serverSeq).toBe(1);
  });

  test('baselines of the same document are merged', () => {
    const fake = createFakeServer();
    const a = fake.connect('lib');
    a.hello({ replicaId: 'A', atRisk: 1 });
    const write = (seq: number, field: string) => wireOp({ replicaId: 'Z', seq, id: 'doc', change: { kind: 'set', path: [field], value: seq } });
    const state1 = applyOps(emptyDocState, [wireOp({ replicaId: 'Z', seq: 1, id: 'doc', change: { kind: 'put', value: {} } }), write(2, 'x')]);
    const state2 = applyOps(emptyDocState, [write(3, 'y')]);
    const baseline = (state: typeof state1) => ({ collection: 'todos', id: 'doc', state, replicaId: 'Z', ts: write(3, 'y').ts });
    a.send({ type: 'seed', baselines: [baseline(state1), baseline(state2)], ops: [], done: true });
    a.take('synced');
    const [row] = fake.sql.exec<{ state: string }>('SELECT state FROM baselines');
    expect(materialize(JSON.parse(row?.state ?? '{}'))).toEqual({ x: 2, y: 3 });
  });

  test('a seed beyond the server limit is refused and dropped', () => {
    const fake = createFakeServer({ limits: { maxSeedBytes: 2000 } });
    const a = fake.connect('lib');
    a.hello({ replicaId: 'A', localSeq: 20, atRisk: 20 });
    a.send({ type: 'seed', baselines: [], ops: wireOps('A', 1, 20), done: true });
    expect(a.take('error').code).toBe(ErrorCode.SERVER_LIMIT_EXCEEDED);
    expect(opCount(fake)).toBe(0);
  });

  test('while one replica seeds, another writer is told the library is busy', () => {
    const fake = createFakeServer();
    const a = fake.connect('lib');
    a.hello({ replicaId: 'A', atRisk: 1 });
    const b = fake.connect('lib');
    b.send({ type: 'hello', protocol: 1, replicaId: 'B', cursor: null, localSeq: 0, atRisk: 3 });
    expect(b.take('error').code).toBe(ErrorCode.SYNC_LIBRARY_BUSY);
    expect(b.closedWith?.code).toBe(CloseCode.TRY_AGAIN_LATER);
  });

  test('a seeder that disconnects mid-seed stores nothing and frees the library', () => {
    const fake = createFakeServer();
    const a = fake.connect('lib');
    a.hello({ replicaId: 'A', localSeq: 2, atRisk: 2 });
    a.send({ type: 'seed', baselines: [], ops: wireOps('A', 1, 2), done: false });
    a.disconnect();
    expect(opCount(fake)).toBe(0);
    expect(fake.connect('lib').hello({ replicaId: 'B', atRisk: 1 }).decision).toBe('accept');
  });

  test('an empty seed leaves the library without history: the next writer is accepted too', () => {
    const fake = createFakeServer();
    const a = fake.connect('lib');
    a.hello({ replicaId: 'A' });
    a.send({ type: 'seed', baselines: [], ops: [], done: true });
    expect(a.take('synced').serverSeq).toBe(0);
    expect(fake.connect('lib').hello({ replicaId: 'B', atRisk: 2 }).decision).toBe('accept');
  });

  test('the epoch is the library\'s from its creation; a seed does not change it', () => {
    const fake = createFakeServer();
    const a = fake.connect('lib');
    const { epoch } = a.hello({ replicaId: 'A', localSeq: 1, atRisk: 1 });
    a.send({ type: 'seed', baselines: [], ops: wireOps('A', 1, 1), done: true });
    expect(fake.sql.exec('SELECT epoch FROM libraries')).toEqual([{ epoch }]);
  });

  test('an empty seeder still connected when another seed lands is closed and comes back as a late joiner', () => {
    const fake = createFakeServer();
    const a = fake.connect('lib');
    const { epoch } = a.hello({ replicaId: 'A' });
    a.send({ type: 'seed', baselines: [], ops: [], done: true });
    a.take('synced');
    const b = fake.connect('lib');
    expect(b.hello({ replicaId: 'B', localSeq: 1, atRisk: 1 }).decision).toBe('accept');
    b.send({ type: 'seed', baselines: [], ops: wireOps('B', 1, 1), done: true });
    expect(a.closedWith?.code).toBe(CloseCode.LIBRARY_RESEEDED);
    expect(fake.sql.exec('SELECT replica FROM replicas')).toEqual([{ replica: 'B' }]);
    const back = fake.connect('lib');
    expect(back.hello({ replicaId: 'A', cursor: { epoch, serverSeq: 0 }, localSeq: 1, atRisk: 1 })).toMatchObject({ decision: 'reset', reason: 'late-joiner' });
  });

  test('when a replica live on the empty library pushes during a seed, its history wins and the seeder must come back', () => {
    const fake = createFakeServer();
    const a = fake.connect('lib');
    a.hello({ replicaId: 'A' });
    a.send({ type: 'seed', baselines: [], ops: [], done: true });
    const b = fake.connect('lib');
    expect(b.hello({ replicaId: 'B', localSeq: 1, atRisk: 1 }).decision).toBe('accept');
    a.send({ type: 'push', ops: wireOps('A', 1, 1) });
    expect(a.take('ack').firstServerSeq).toBe(1);
    b.send({ type: 'seed', baselines: [], ops: wireOps('B', 1, 1), done: true });
    expect(b.take('error').code).toBe(ErrorCode.SYNC_LIBRARY_BUSY);
    expect(b.closedWith?.code).toBe(CloseCode.TRY_AGAIN_LATER);
    expect(fake.sql.exec('SELECT replica FROM ops')).toEqual([{ replica: 'A' }]);
    expect(fake.connect('lib').hello({ replicaId: 'B', localSeq: 1, atRisk: 1 })).toMatchObject({ decision: 'reset', reason: 'late-joiner' });
  });

  test('readers connected to the empty library are closed when a seed lands, and reset when back', () => {
    const fake = createFakeServer();
    const reader = fake.connect('lib', 'read:lib');
    const resumed = reader.hello({ replicaId: 'R' });
    expect(resumed.decision).toBe('resume');
    expect(reader.take('synced').serverSeq).toBe(0);
    const a = fake.connect('lib');
    a.hello({ replicaId: 'A', localSeq: 1, atRisk: 1 });
    a.send({ type: 'seed', baselines: [], ops: wireOps('A', 1, 1), done: true });
    expect(reader.closedWith?.code).toBe(CloseCode.LIBRARY_RESEEDED);
    const back = fake.connect('lib', 'read:lib');
    expect(back.hello({ replicaId: 'R', cursor: { epoch: resumed.epoch, serverSeq: 0 } })).toMatchObject({ decision: 'reset', reason: 'late-joiner' });
  });
});

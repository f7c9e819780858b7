import { describe, expect, test } from 'vitest';
import { ErrorCode } from 'trellis';
import { ackRuns } from '../../../src/server/core/push.js';
import { createFakeServer } from '../../helpers/fake-sync-server.js';
import type { FakeClient, FakeServer } from '../../helpers/fake-sync-server.js';
import { wireOp, wireOps } from '../../helpers/wire-ops.js';

function live(fake: FakeServer, id: string): FakeClient {
  const client = fake.connect('lib');
  const decision = client.hello({ replicaId: id });
  if (decision.decision === 'accept') client.send({ type: 'seed', baselines: [], ops: [], done: true });
  else client.send({ type: 'join', replicaId: `${id}-joined` });
  client.take('synced');
  return client;
}

const count = (fake: FakeServer) => fake.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM ops')[0]?.n;

describe('push', () => {
  test('new ops get gap-free server seqs and one ack after commit', () => {
    const fake = createFakeServer();
    const a = live(fake, 'A');
    a.send({ type: 'push', ops: wireOps('A', 1, 3) });
    expect(a.take('ack')).toEqual({ type: 'ack', replicaId: 'A', fromSeq: 1, toSeq: 3, firstServerSeq: 1 });
    a.send({ type: 'push', ops: wireOps('A', 4, 4) });
    expect(a.take('ack')).toEqual({ type: 'ack', replicaId: 'A', fromSeq: 4, toSeq: 4, firstServerSeq: 4 });
    expect(fake.sql.exec('SELECT server_seq, seq FROM ops ORDER BY server_seq')).toEqual([1, 2, 3, 4].map((n) => ({ server_seq: n, seq: n })));
  });

  test('re-sent identical ops change nothing and are acked with the server seqs they already have', () => {
    const fake = createFakeServer();
    const a = live(fake, 'A');
    a.send({ type: 'push', ops: wireOps('A', 1, 2) });
    const b = live(fake, 'B');
    b.send({ type: 'push', ops: wireOps('B-joined', 1, 1) });
    a.send({ type: 'push', ops: wireOps('A', 3, 3) });
    a.takeAll('ack');
    b.takeAll('ops');
    a.send({ type: 'push', ops: wireOps('A', 1, 4) });
    expect(a.takeAll('ack')).toEqual([
      { type: 'ack', replicaId: 'A', fromSeq: 1, toSeq: 2, firstServerSeq: 1 },
      // seq 3 (stored earlier at 4) and seq 4 (stored now at 5) happen to be contiguous: one run.
      { type: 'ack', replicaId: 'A', fromSeq: 3, toSeq: 4, firstServerSeq: 4 },
    ]);
    expect(b.take('ops').ops.map((o) => o.op.seq)).toEqual([4]);
    expect(count(fake)).toBe(5);
  });

  test('the same (replicaId, seq) with other content is FORK_DETECTED and nothing of the push is stored', () => {
    const fake = createFakeServer();
    const a = live(fake, 'A');
    a.send({ type: 'push', ops: wireOps('A', 1, 2) });
    a.take('ack');
    const forked = wireOp({ replicaId: 'A', seq: 2, change: { kind: 'delete' } });
    a.send({ type: 'push', ops: [forked, wireOp({ replicaId: 'A', seq: 3 })] });
    expect(a.take('error')).toMatchObject({ code: ErrorCode.FORK_DETECTED, details: { replicaId: 'A', seq: 2 } });
    expect(count(fake)).toBe(2);
  });

  test('a push that skips seqs is SERVER_SEQ_GAP', () => {
    const fake = createFakeServer();
    const a = live(fake, 'A');
    a.send({ type: 'push', ops: wireOps('A', 2, 3) });
    expect(a.take('error')).toMatchObject({ code: ErrorCode.SERVER_SEQ_GAP, details: { expected: 1, received: 2 } });
    a.send({ type: 'push', ops: [wireOp({ replicaId: 'A', seq: 1 }), wireOp({ replicaId: 'A', seq: 3 })] });
    expect(a.take('error')).toMatchObject({ code: ErrorCode.SERVER_SEQ_GAP, details: { index: 1, expected: 2 } });
    expect(count(fake)).toBe(0);
  });

  test("another replica's op is SERVER_REPLICA_MISMATCH and nothing is stored", () => {
    const fake = createFakeServer();
    const a = live(fake, 'A');
    a.send({ type: 'push', ops: [wireOp({ replicaId: 'A', seq: 1 }), wireOp({ replicaId: 'Z', seq: 1 })] });
    expect(a.take('error')).toMatchObject({ code: ErrorCode.SERVER_REPLICA_MISMATCH, details: { index: 1, replicaId: 'Z' } });
    expect(count(fake)).toBe(0);
  });

  test('a server configured stricter than the protocol refuses big pushes with SERVER_LIMIT_EXCEEDED', () => {
    const fake = createFakeServer({ limits: { maxOpsPerPush: 2 } });
    const a = live(fake, 'A');
    a.send({ type: 'push', ops: wireOps('A', 1, 3) });
    expect(a.take('error')).toMatchObject({ code: ErrorCode.SERVER_LIMIT_EXCEEDED, details: { limit: 2 } });
  });

  test('fan-out reaches live replicas only, never the writer nor a replica waiting to join', () => {
    const fake = createFakeServer();
    const a = live(fake, 'A');
    a.send({ type: 'push', ops: wireOps('A', 1, 1) });
    const b = live(fake, 'B');
    const waiting = fake.connect('lib');
    expect(waiting.hello({ replicaId: 'W' }).decision).toBe('reset');
    a.send({ type: 'push', ops: wireOps('A', 2, 2) });
    expect(b.take('ops').ops).toEqual([{ serverSeq: 2, op: wireOp({ replicaId: 'A', seq: 2 }) }]);
    expect(a.takeAll('ops')).toEqual([]);
    expect(waiting.takeAll('ops')).toEqual([]);
  });
});

describe('ackRuns', () => {
  test('splits acks where seqs or server seqs stop being contiguous', () => {
    const entry = (seq: number, serverSeq: number) => ({ serverSeq, op: wireOp({ replicaId: 'A', seq }) });
    expect(ackRuns('A', [entry(1, 10), entry(2, 11), entry(3, 15), entry(4, 16), entry(6, 17)])).toEqual([
      { type: 'ack', replicaId: 'A', fromSeq: 1, toSeq: 2, firstServerSeq: 10 },
      { type: 'ack', replicaId: 'A', fromSeq: 3, toSeq: 4, firstServerSeq: 15 },
      { type: 'ack', replicaId: 'A', fromSeq: 6, toSeq: 6, firstServerSeq: 17 },
    ]);
  });
});

import { describe, expect, test } from 'vitest';
import { ErrorCode } from 'trellis';
import { servers } from '../helpers/servers.js';
import { wireOp, wireOps } from '../helpers/wire-ops.js';
import { livePair } from '../helpers/live-pair.js';

describe.each(servers)('push ($name)', (factory) => {
  test('the ack arrives after the ops are durably stored, and the other replica gets them', async () => {
    const server = await factory.start();
    const { a, b } = await livePair(server);
    a.send({ type: 'push', ops: wireOps('A', 2, 4) });
    const ack = await a.next('ack');
    expect(ack).toEqual({ type: 'ack', replicaId: 'A', fromSeq: 2, toSeq: 4, firstServerSeq: 2 });
    // A second connection to the database already sees them when the ack is read.
    expect(await server.query('team', "SELECT server_seq, seq FROM ops WHERE replica = 'A' AND seq > 1 ORDER BY seq")).toEqual([
      { server_seq: 2, seq: 2 },
      { server_seq: 3, seq: 3 },
      { server_seq: 4, seq: 4 },
    ]);
    const fanned = await b.next('ops');
    expect(fanned.ops).toEqual(wireOps('A', 2, 4).map((op, i) => ({ serverSeq: i + 2, op })));
    expect(fanned.progress).toBeUndefined();
  });

  test('re-pushing the same ops is a no-op that is acked again', async () => {
    const server = await factory.start();
    const { a, b } = await livePair(server);
    a.send({ type: 'push', ops: wireOps('A', 2, 3) });
    await a.next('ack');
    await b.next('ops');
    a.send({ type: 'push', ops: wireOps('A', 2, 3) });
    expect(await a.next('ack')).toEqual({ type: 'ack', replicaId: 'A', fromSeq: 2, toSeq: 3, firstServerSeq: 2 });
    b.send({ type: 'push', ops: wireOps('B2', 1, 1) });
    await b.next('ack');
    expect((await a.next('ops')).ops.map((o) => o.op.replicaId)).toEqual(['B2']);
    expect(await server.query('team', 'SELECT COUNT(*) AS n FROM ops')).toEqual([{ n: 4 }]);
  });

  test('a fork, a gap and a foreign replica id are each refused and store nothing', async () => {
    const server = await factory.start();
    const { a } = await livePair(server);
    a.send({ type: 'push', ops: [wireOp({ replicaId: 'A', seq: 1, change: { kind: 'delete' } }), wireOp({ replicaId: 'A', seq: 2 })] });
    expect(await a.next('error')).toMatchObject({ code: ErrorCode.FORK_DETECTED, details: { seq: 1 } });
    a.send({ type: 'push', ops: wireOps('A', 3, 4) });
    expect(await a.next('error')).toMatchObject({ code: ErrorCode.SERVER_SEQ_GAP, details: { expected: 2 } });
    a.send({ type: 'push', ops: wireOps('B2', 1, 1) });
    expect(await a.next('error')).toMatchObject({ code: ErrorCode.SERVER_REPLICA_MISMATCH });
    expect(await server.query('team', 'SELECT COUNT(*) AS n FROM ops')).toEqual([{ n: 1 }]);
    a.send({ type: 'push', ops: wireOps('A', 2, 2) });
    expect(await a.next('ack')).toMatchObject({ fromSeq: 2, firstServerSeq: 2 });
  });

  test('a read token receives ops but its pushes are AUTH_FORBIDDEN', async () => {
    const server = await factory.start();
    const { a } = await livePair(server);
    const reader = await server.connect('team', { role: 'read' });
    expect(await reader.hello({ replicaId: 'R' })).toMatchObject({ reason: 'late-joiner' });
    reader.send({ type: 'join', replicaId: 'R2' });
    await reader.next('synced');
    reader.send({ type: 'push', ops: wireOps('R2', 1, 1) });
    expect((await reader.next('error')).code).toBe(ErrorCode.AUTH_FORBIDDEN);
    a.send({ type: 'push', ops: wireOps('A', 2, 2) });
    expect((await reader.next('ops')).ops[0]?.serverSeq).toBe(2);
    expect(await server.query('team', "SELECT COUNT(*) AS n FROM ops WHERE replica = 'R2'")).toEqual([{ n: 0 }]);
  });
});

import { describe, expect, test } from 'vitest';
import { ErrorCode } from 'trellis';
import { MAX_FRAME_BYTES } from 'trellis/protocol';
import type { SnapshotMessage } from 'trellis/protocol';
import { servers } from '../helpers/servers.js';
import type { ServerUnderTest } from '../helpers/servers.js';
import { wireOps } from '../helpers/wire-ops.js';

/** A library seeded by A with `count` ops of about `bytes` each, A still connected. */
async function seededLibrary(server: ServerUnderTest, o: { count: number; bytes: number }) {
  const a = await server.connect('team');
  await a.hello({ replicaId: 'A', localSeq: o.count, atRisk: o.count });
  const ops = wireOps('A', 1, o.count, { change: { kind: 'put', value: { blob: 'y'.repeat(o.bytes) } } });
  for (let i = 0; i < ops.length; i += 50) a.send({ type: 'seed', baselines: [], ops: ops.slice(i, i + 50), done: i + 50 >= ops.length });
  await a.next('synced');
  return a;
}

describe.each(servers)('late joiner ($name)', (factory) => {
  test('a replica new to a library with history must reset; what it sends before joining is refused and not stored', async () => {
    const server = await factory.start();
    await seededLibrary(server, { count: 3, bytes: 10 });
    const late = await server.connect('team');
    expect(await late.hello({ replicaId: 'L', localSeq: 5, atRisk: 5 })).toMatchObject({ decision: 'reset', reason: 'late-joiner', serverSeq: 3 });
    late.send({ type: 'push', ops: wireOps('L', 1, 5) });
    late.send({ type: 'seed', baselines: [], ops: wireOps('L', 1, 5), done: true });
    late.send({ type: 'cursor', serverSeq: 3 });
    expect((await late.next('error')).code).toBe(ErrorCode.SYNC_JOIN_REQUIRED);
    expect((await late.next('error')).code).toBe(ErrorCode.SYNC_JOIN_REQUIRED);
    expect((await late.next('error')).code).toBe(ErrorCode.SYNC_JOIN_REQUIRED);
    expect(await server.query('team', "SELECT COUNT(*) AS n FROM ops WHERE replica = 'L'")).toEqual([{ n: 0 }]);
    expect(await server.query('team', "SELECT COUNT(*) AS n FROM replicas WHERE replica = 'L'")).toEqual([{ n: 0 }]);
  });

  test('join streams the complete library in chunks under 1 MiB with progress, then the new replica is live', async () => {
    const server = await factory.start();
    const a = await seededLibrary(server, { count: 300, bytes: 10_000 });
    const late = await server.connect('team');
    await late.hello({ replicaId: 'L', atRisk: 2 });
    late.send({ type: 'join', replicaId: 'L-new' });
    expect(await late.next('synced')).toEqual({ type: 'synced', serverSeq: 300 });
    const chunks = late.received.filter((m): m is SnapshotMessage => m.type === 'snapshot');
    expect(chunks.length).toBeGreaterThanOrEqual(10);
    expect(Math.max(...late.frameBytes)).toBeLessThan(MAX_FRAME_BYTES);
    expect(chunks.map((c) => c.done)).toEqual([...Array(chunks.length - 1).fill(false), true]);
    const progress = chunks.map((c) => c.progress.received);
    expect(progress).toEqual([...progress].sort((x, y) => x - y));
    expect(chunks.at(-1)?.progress).toEqual({ received: 300, total: 300 });
    expect(chunks.flatMap((c) => c.ops.map((o) => o.serverSeq))).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(chunks.every((c) => c.serverSeq === 300 && c.epoch === chunks[0]?.epoch)).toBe(true);

    late.send({ type: 'push', ops: wireOps('L-new', 1, 1) });
    expect(await late.next('ack')).toMatchObject({ replicaId: 'L-new', firstServerSeq: 301 });
    expect((await a.next('ops')).ops[0]?.op.replicaId).toBe('L-new');
    a.send({ type: 'push', ops: wireOps('A', 301, 301) });
    expect((await late.next('ops')).ops[0]?.serverSeq).toBe(302);
  });

  test('join must name a new replica id', async () => {
    const server = await factory.start();
    await seededLibrary(server, { count: 1, bytes: 1 });
    const late = await server.connect('team');
    await late.hello({ replicaId: 'L' });
    late.send({ type: 'join', replicaId: 'L' });
    expect((await late.next('error')).code).toBe(ErrorCode.SYNC_REPLICA_ID_IN_USE);
    late.send({ type: 'join', replicaId: 'A' });
    expect((await late.next('error')).code).toBe(ErrorCode.SYNC_REPLICA_ID_IN_USE);
  });
});

import { describe, expect, test } from 'vitest';
import { MAX_FRAME_BYTES } from 'trellis/protocol';
import { servers } from '../helpers/servers.js';
import { wireOps } from '../helpers/wire-ops.js';

describe.each(servers)('initial sync: accept and resume ($name)', (factory) => {
  test('a new library accepts the first replica, whose seed becomes the library and is acknowledged with synced', async () => {
    const server = await factory.start();
    const a = await server.connect('team');
    const decision = await a.hello({ replicaId: 'A', localSeq: 4, atRisk: 4 });
    expect(decision).toMatchObject({ type: 'decision', decision: 'accept', serverSeq: 0, horizon: 0, replicaSeq: 0 });
    a.send({ type: 'seed', baselines: [], ops: wireOps('A', 1, 2), done: false });
    a.send({ type: 'seed', baselines: [], ops: wireOps('A', 3, 4), done: true });
    expect(await a.next('synced')).toEqual({ type: 'synced', serverSeq: 4 });
    expect(await server.query('team', 'SELECT library, epoch, head_seq FROM libraries')).toEqual([{ library: 'team', epoch: decision.epoch, head_seq: 4 }]);
  });

  test('a known replica resumes: it gets the ops it lacks, not its own, in chunks with progress, then synced', async () => {
    const server = await factory.start();
    const a = await server.connect('team');
    const { epoch } = await a.hello({ replicaId: 'A', localSeq: 2, atRisk: 2 });
    a.send({ type: 'seed', baselines: [], ops: wireOps('A', 1, 2), done: true });
    await a.next('synced');
    await a.close();

    const b = await server.connect('team');
    await b.hello({ replicaId: 'B' });
    b.send({ type: 'join', replicaId: 'B2' });
    await b.next('synced');
    // ~40 KB per op: 40 ops need several 256 KiB chunks.
    const big = wireOps('B2', 1, 40, { change: { kind: 'put', value: { blob: 'x'.repeat(40_000) } } });
    b.send({ type: 'push', ops: big.slice(0, 20) });
    b.send({ type: 'push', ops: big.slice(20) });
    await b.next('ack');
    await b.next('ack');

    const again = await server.connect('team');
    const decision = await again.hello({ replicaId: 'A', cursor: { epoch, serverSeq: 2 }, localSeq: 3, atRisk: 1 });
    expect(decision).toMatchObject({ decision: 'resume', epoch, serverSeq: 42, replicaSeq: 2 });
    expect(await again.next('synced')).toEqual({ type: 'synced', serverSeq: 42 });
    const chunks = again.received.filter((m) => m.type === 'ops');
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.flatMap((c) => c.ops.map((o) => o.serverSeq))).toEqual(Array.from({ length: 40 }, (_, i) => i + 3));
    expect(chunks.map((c) => c.progress?.received)).toEqual(expect.arrayContaining([40]));
    expect(chunks.every((c) => c.progress?.total === 40)).toBe(true);
    expect(Math.max(...again.frameBytes)).toBeLessThan(MAX_FRAME_BYTES);
    // It pushes what the server lacks (seq 3) and is live.
    again.send({ type: 'push', ops: wireOps('A', 3, 3) });
    expect(await again.next('ack')).toEqual({ type: 'ack', replicaId: 'A', fromSeq: 3, toSeq: 3, firstServerSeq: 43 });
    expect((await b.next('ops')).ops.map((o) => o.serverSeq)).toEqual([43]);
  });
});

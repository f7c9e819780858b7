/**
 * The largest op (issue 14, defect 3): the server stores only ops that fit,
 * re-framed, in every frame it sends, and refuses the rest loudly.
 */
import { describe, expect, test } from 'vitest';
import { ErrorCode } from 'trellis';
import { MAX_FRAME_BYTES, MAX_OP_BYTES, encodeMessage, opBytes, utf8Length } from 'trellis/protocol';
import type { SnapshotMessage } from 'trellis/protocol';
import type { Op } from '../../src/core/index.js';
import { servers } from '../helpers/servers.js';
import { wireOp, wireOps } from '../helpers/wire-ops.js';
import { livePair } from '../helpers/live-pair.js';

/** Op `seq` of `replicaId` whose JSON is exactly `bytes` UTF-8 bytes (ASCII padding in its title). */
function opOfBytes(o: { replicaId: string; seq: number; bytes: number }): Op {
  const empty = wireOp({ replicaId: o.replicaId, seq: o.seq, change: { kind: 'put', value: { title: '' } } });
  const op = wireOp({ replicaId: o.replicaId, seq: o.seq, change: { kind: 'put', value: { title: 'y'.repeat(o.bytes - opBytes(empty)) } } });
  expect(opBytes(op)).toBe(o.bytes);
  return op;
}

describe.each(servers)('the largest op ($name)', (factory) => {
  test('a push frame of exactly 1 MiB holding one op is refused as too large, and nothing of it is stored or fanned out', async () => {
    const server = await factory.start();
    const { a, b } = await livePair(server);
    const envelope = utf8Length(encodeMessage({ type: 'push', ops: [] }));
    const frame = encodeMessage({ type: 'push', ops: [opOfBytes({ replicaId: 'A', seq: 2, bytes: MAX_FRAME_BYTES - envelope })] });
    expect(utf8Length(frame)).toBe(MAX_FRAME_BYTES);
    a.sendRaw(frame);
    expect(await a.next('error')).toMatchObject({
      code: ErrorCode.PROTOCOL_OP_TOO_LARGE,
      details: { index: 0, bytes: MAX_FRAME_BYTES - envelope, limit: MAX_OP_BYTES },
    });
    expect(await server.query('team', "SELECT COUNT(*) AS n FROM ops WHERE replica = 'A'")).toEqual([{ n: 1 }]);
    // The next op of A takes seq 2: the refused one left no trace, and B's next frame holds only it.
    a.send({ type: 'push', ops: wireOps('A', 2, 2) });
    expect(await a.next('ack')).toMatchObject({ fromSeq: 2, toSeq: 2, firstServerSeq: 2 });
    expect((await b.next('ops')).ops).toEqual([{ serverSeq: 2, op: wireOps('A', 2, 2)[0] }]);
  });

  test('an op one byte over the limit is refused, in a push and in a seed, and the seed stores nothing', async () => {
    const server = await factory.start();
    const { a } = await livePair(server);
    a.send({ type: 'push', ops: [opOfBytes({ replicaId: 'A', seq: 2, bytes: MAX_OP_BYTES + 1 })] });
    expect(await a.next('error')).toMatchObject({ code: ErrorCode.PROTOCOL_OP_TOO_LARGE, details: { bytes: MAX_OP_BYTES + 1, limit: MAX_OP_BYTES } });
    const seeder = await server.connect('other');
    await seeder.hello({ replicaId: 'S', localSeq: 2, atRisk: 2 });
    seeder.send({ type: 'seed', baselines: [], ops: [...wireOps('S', 1, 1), opOfBytes({ replicaId: 'S', seq: 2, bytes: MAX_OP_BYTES + 1 })], done: true });
    expect(await seeder.next('error')).toMatchObject({ code: ErrorCode.PROTOCOL_OP_TOO_LARGE, details: { index: 1, limit: MAX_OP_BYTES } });
    expect(await server.query('other', "SELECT COUNT(*) AS n FROM ops WHERE library = 'other'")).toEqual([{ n: 0 }]);
    expect(await server.query('team', "SELECT COUNT(*) AS n FROM ops WHERE replica = 'A'")).toEqual([{ n: 1 }]);
  });

  test('an op is sized as the server would send it, not as received: a small push whose numbers grow when re-encoded is refused', async () => {
    const server = await factory.start();
    const { a } = await livePair(server);
    // `1e20` (4 characters) is re-encoded as 100000000000000000000 (21): 250 kB received, 1.1 MB to send.
    const template = encodeMessage({ type: 'push', ops: [wireOp({ replicaId: 'A', seq: 2, change: { kind: 'put', value: { n: 'N' } } })] });
    const frame = template.replace('"N"', `[${Array(50_000).fill('1e20').join(',')}]`);
    expect(utf8Length(frame)).toBeLessThan(MAX_FRAME_BYTES / 4);
    a.sendRaw(frame);
    expect(await a.next('error')).toMatchObject({ code: ErrorCode.PROTOCOL_OP_TOO_LARGE, details: { index: 0, limit: MAX_OP_BYTES } });
    expect(await server.query('team', "SELECT COUNT(*) AS n FROM ops WHERE replica = 'A'")).toEqual([{ n: 1 }]);
  });

  test('an op of exactly the limit is stored, reaches a live replica, and travels in a late joiner’s snapshot, every frame within 1 MiB', async () => {
    const server = await factory.start();
    const { a, b } = await livePair(server);
    const big = opOfBytes({ replicaId: 'A', seq: 2, bytes: MAX_OP_BYTES });
    a.send({ type: 'push', ops: [big] });
    expect(await a.next('ack')).toMatchObject({ fromSeq: 2, toSeq: 2, firstServerSeq: 2 });
    expect((await b.next('ops')).ops).toEqual([{ serverSeq: 2, op: big }]);
    expect(Math.max(...b.frameBytes)).toBeLessThanOrEqual(MAX_FRAME_BYTES);

    const late = await server.connect('team');
    await late.hello({ replicaId: 'L' });
    late.send({ type: 'join', replicaId: 'L2' });
    expect(await late.next('synced')).toEqual({ type: 'synced', serverSeq: 2 });
    const chunks = late.received.filter((m): m is SnapshotMessage => m.type === 'snapshot');
    expect(chunks.flatMap((c) => c.ops)).toEqual([{ serverSeq: 1, op: wireOps('A', 1, 1)[0] }, { serverSeq: 2, op: big }]);
    expect(Math.max(...late.frameBytes)).toBeLessThanOrEqual(MAX_FRAME_BYTES);
  });
});

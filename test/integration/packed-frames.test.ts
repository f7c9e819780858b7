/**
 * Packed frames on both servers (protocol/packed.ts): a client whose hello
 * says protocol 5 gets its snapshot, catch-up and live ops packed; a client
 * of protocol 4 gets the same items in the plain form. Both decode to the
 * same baselines and ops.
 */
import { describe, expect, test } from 'vitest';
import { PROTOCOL_VERSION } from 'trellis/protocol';
import type { ServerMessage } from 'trellis/protocol';
import { servers } from '../helpers/servers.js';
import type { ProtocolClient } from '../helpers/protocol-client.js';
import { wireOp, wireOps } from '../helpers/wire-ops.js';

/** Ids the wire allows at their edges: non-ASCII, astral, and MAX_NAME_LENGTH (256) UTF-16 units. */
const IDS = ['ä-ü', '漢字', '😀'.repeat(128), 'x'.repeat(256)];

/** The raw frames of one type a client received, in order. */
const framesOf = (client: ProtocolClient, type: ServerMessage['type']) => client.frames.filter((_, i) => client.received[i]?.type === type);
const messagesOf = <T extends ServerMessage['type']>(client: ProtocolClient, type: T) =>
  client.received.filter((m): m is Extract<ServerMessage, { type: T }> => m.type === type);

/** A library of documents written alike, with a counter, compacted into baselines, plus ops above the horizon. */
async function buildLibrary(server: Awaited<ReturnType<(typeof servers)[number]['start']>>, library: string) {
  const puts = [
    ...wireOps('A', 1, 20, { change: { kind: 'put', value: { title: 'Ünïcode title', done: false, tags: ['a', 'b'] } } }),
    ...IDS.map((id, i) => wireOp({ replicaId: 'A', seq: 21 + i, id, change: { kind: 'put', value: { title: id, n: 0 } } })),
    wireOp({ replicaId: 'A', seq: 25, id: 'ä-ü', change: { kind: 'inc', path: ['n'], by: 3 } }),
  ];
  const writer = await server.connect(library);
  await writer.hello({ replicaId: 'A', localSeq: puts.length, atRisk: puts.length });
  writer.send({ type: 'seed', baselines: [], ops: puts, done: true });
  await writer.next('synced');
  writer.send({ type: 'cursor', serverSeq: puts.length });
  await expect.poll(async () => (await server.compact(library))[0]?.horizon).toBe(puts.length);
  const after = wireOps('A', 26, 28, { id: 'x'.repeat(256), change: { kind: 'set', path: ['title'], value: 'after the horizon' } });
  writer.send({ type: 'push', ops: after });
  await writer.next('ack');
  return { writer, head: puts.length + after.length };
}

async function joiner(server: Awaited<ReturnType<(typeof servers)[number]['start']>>, o: { library: string; protocol: number; id: string }) {
  const client = await server.connect(o.library);
  expect((await client.hello({ replicaId: `${o.id}-hello`, protocol: o.protocol })).decision).toBe('reset');
  client.send({ type: 'join', replicaId: o.id });
  await client.next('synced');
  return client;
}

describe.each(servers)('packed frames by protocol version ($name)', (factory) => {
  test('a protocol 5 joiner gets packed snapshot frames holding every baseline (edge ids, a counter) and the ops above the horizon', async () => {
    const server = await factory.start();
    await buildLibrary(server, 'packed');
    const packed = await joiner(server, { library: 'packed', protocol: PROTOCOL_VERSION, id: 'P' });

    const snapshots = framesOf(packed, 'snapshot');
    expect(snapshots.length).toBeGreaterThan(0);
    for (const frame of snapshots) expect(frame).toMatch(/^\{"type":"snapshot",.*"packed":\{"replicas":\[/);
    const got = messagesOf(packed, 'snapshot');
    expect(got.flatMap((m) => m.baselines).map((b) => b.id).sort()).toEqual([...wireOps('A', 1, 20).map((op) => op.id), ...IDS].sort());
    expect(got.flatMap((m) => m.ops).map((e) => e.op.seq)).toEqual([26, 27, 28]);
    const counted = got.flatMap((m) => m.baselines).find((b) => b.id === 'ä-ü');
    expect(counted?.state.entries.map((e) => e.change.kind)).toEqual(['put', 'inc']);
  });

  test('protocol 4 and protocol 5 clients get the same snapshot, catch-up and live ops, plain and packed', async () => {
    const server = await factory.start();
    const puts = [...wireOps('A', 1, 30), ...IDS.map((id, i) => wireOp({ replicaId: 'A', seq: 31 + i, id, change: { kind: 'put', value: { title: `“${id}”` } } }))];
    const writer = await server.connect('both');
    await writer.hello({ replicaId: 'A', localSeq: puts.length, atRisk: puts.length });
    writer.send({ type: 'seed', baselines: [], ops: puts, done: true });
    await writer.next('synced');
    writer.send({ type: 'cursor', serverSeq: puts.length });
    await expect.poll(async () => (await server.compact('both'))[0]?.horizon).toBe(puts.length);

    const v5 = await joiner(server, { library: 'both', protocol: PROTOCOL_VERSION, id: 'P5' });
    const v4 = await joiner(server, { library: 'both', protocol: 4, id: 'P4' });
    for (const frame of framesOf(v5, 'snapshot')) expect(frame).toContain('"packed":{');
    for (const frame of framesOf(v4, 'snapshot')) expect(frame).toMatch(/"baselines":\[.*"ops":\[/);
    const strip = (ms: readonly { baselines: unknown; ops: unknown }[]) => ms.map((m) => ({ baselines: m.baselines, ops: m.ops }));
    expect(strip(messagesOf(v5, 'snapshot')).flatMap((m) => m.baselines as unknown[])).toEqual(strip(messagesOf(v4, 'snapshot')).flatMap((m) => m.baselines as unknown[]));

    // Live fan-out: one push reaches both, each in its own form.
    const live = wireOps('A', 35, 37, { id: '漢字', change: { kind: 'set', path: ['title'], value: 'live ✓' } });
    writer.send({ type: 'push', ops: live });
    const [ops5, ops4] = [await v5.next('ops'), await v4.next('ops')];
    expect(ops5).toEqual(ops4);
    expect(ops5.ops.map((e) => e.op)).toEqual(live);
    expect(framesOf(v5, 'ops')[0]).toMatch(/^\{"type":"ops","packed":/);
    expect(framesOf(v4, 'ops')[0]).toMatch(/^\{"type":"ops","ops":\[/);

    // Catch-up: each comes back with its cursor from before the push and is sent the ops after it.
    const cursor = { epoch: messagesOf(v5, 'snapshot')[0]?.epoch ?? '', serverSeq: puts.length };
    await v5.close();
    await v4.close();
    const back5 = await server.connect('both');
    const back4 = await server.connect('both');
    expect((await back5.hello({ replicaId: 'P5', cursor, protocol: PROTOCOL_VERSION })).decision).toBe('resume');
    expect((await back4.hello({ replicaId: 'P4', cursor, protocol: 4 })).decision).toBe('resume');
    const [caught5, caught4] = [await back5.next('ops'), await back4.next('ops')];
    expect(caught5).toEqual(caught4);
    expect(caught5).toMatchObject({ progress: { received: 3, total: 3 } });
    expect(caught5.ops.map((e) => e.op)).toEqual(live);
    expect(framesOf(back5, 'ops')[0]).toMatch(/^\{"type":"ops","progress":\{[^}]*\},"packed":/);
    expect(framesOf(back4, 'ops')[0]).toMatch(/^\{"type":"ops","ops":\[/);
  });
});

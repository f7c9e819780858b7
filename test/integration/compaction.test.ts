import { describe, expect, test } from 'vitest';
import type { DocState, Op } from '../../src/core/index.js';
import type { ServerMessage } from 'trellis/protocol';
import { applyOps, emptyDocState, materialize, mergeStates } from '../../src/merge/index.js';
import { servers } from '../helpers/servers.js';
import { wireOp } from '../helpers/wire-ops.js';

/** Writes to three shared documents, so squashing really merges. */
const edits = (replicaId: string, from: number, to: number): Op[] =>
  Array.from({ length: to - from + 1 }, (_, k) => {
    const seq = from + k;
    const change = seq % 4 === 0 ? { kind: 'unset' as const, path: ['b'] } : { kind: 'set' as const, path: [seq % 2 ? 'a' : 'b'], value: `${replicaId}${seq}` };
    return wireOp({ replicaId, seq, ms: seq * 10 + (replicaId === 'A' ? 0 : 5), id: `doc${seq % 3}`, change });
  });

/** What a replica holds after the messages it received plus its own ops. */
function view(received: readonly ServerMessage[], own: readonly Op[]): Record<string, unknown> {
  const states = new Map<string, DocState>();
  const apply = (op: Op) => states.set(op.id, applyOps(states.get(op.id) ?? emptyDocState, [op]));
  for (const m of received) {
    if (m.type === 'snapshot') for (const b of m.baselines) states.set(b.id, mergeStates(states.get(b.id) ?? emptyDocState, b.state));
    if (m.type === 'snapshot' || m.type === 'ops') for (const { op } of m.ops) apply(op);
  }
  for (const op of own) apply(op);
  return Object.fromEntries([...states].map(([id, s]) => [id, materialize(s)]).sort());
}

describe.each(servers)('compaction ($name)', (factory) => {
  test('the horizon advances only when every active replica sent its cursor; a late joiner still sees the same documents', async () => {
    const server = await factory.start();
    const creates = ['doc0', 'doc1', 'doc2'].map((id, i) => wireOp({ replicaId: 'A', seq: i + 1, ms: i, id, change: { kind: 'put', value: { a: 'init', b: 'init' } } }));
    const a = await server.connect('team');
    await a.hello({ replicaId: 'A', localSeq: 3, atRisk: 3 });
    a.send({ type: 'seed', baselines: [], ops: creates, done: true });
    await a.next('synced');
    const b = await server.connect('team');
    await b.hello({ replicaId: 'B' });
    b.send({ type: 'join', replicaId: 'B2' });
    await b.next('synced');

    const fromA = edits('A', 4, 12);
    const fromB = edits('B2', 1, 8);
    // One after the other: each push then counts as seen by its writer only if it saw everything before it (A's does).
    a.send({ type: 'push', ops: fromA });
    await a.next('ack');
    b.send({ type: 'push', ops: fromB });
    await b.next('ack');
    await a.next('ops');
    await b.next('ops');
    const head = 3 + fromA.length + fromB.length;

    a.send({ type: 'cursor', serverSeq: head });
    await a.close(); // A stays active (not truant) while away: it still holds the horizon
    expect(await server.compact('team')).toEqual([{ library: 'team', horizon: 3, squashed: 3, more: false }]);
    b.send({ type: 'cursor', serverSeq: 10 });
    await expect.poll(async () => (await server.compact('team'))[0]?.horizon).toBe(10);
    expect((await b.next('horizon')).serverSeq).toBe(3);
    expect((await b.next('horizon')).serverSeq).toBe(10);
    expect(await server.query('team', "SELECT MIN(server_seq) AS low FROM ops WHERE library = 'team'")).toEqual([{ low: 11 }]);
    expect(await server.query('team', "SELECT COUNT(*) AS n FROM baselines WHERE library = 'team'")).toEqual([{ n: 3 }]);

    const late = await server.connect('team');
    await late.hello({ replicaId: 'L' });
    late.send({ type: 'join', replicaId: 'L2' });
    await late.next('synced');
    const snapshot = late.received.find((m) => m.type === 'snapshot');
    expect(snapshot).toMatchObject({ horizon: 10, serverSeq: head });
    expect(view(late.received, [])).toEqual(view(b.received, fromB));
    expect(view(late.received, [])).toEqual(view([], [...creates, ...fromA, ...fromB]));
  });
});

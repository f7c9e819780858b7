/**
 * Sync bugs the convergence simulation found, each pinned by the smallest
 * deterministic scenario on a manual network (see 'trellis/testing').
 */
import { firstValueFrom } from 'rxjs';
import { describe, expect, test } from 'vitest';
import type { Cursor } from 'trellis/protocol';
import { createFakeServer } from '../helpers/fake-sync-server.js';
import { wireOps } from '../helpers/wire-ops.js';
import { createRig, turn } from './helpers.js';
import type { Replica, Rig } from './helpers.js';

/** Lets the event loop run until `done` holds (bounded). */
async function until(done: () => boolean, turns = 5000): Promise<void> {
  for (let i = 0; i < turns && !done(); i++) await turn();
  if (!done()) throw new Error('condition not reached');
}

/** Delivers `name`'s events one at a time until the next frame waiting for it is of `type`. */
async function runUntilQueued(rig: Rig, o: { name: string; direction: 'to-client' | 'to-server'; type: string }): Promise<void> {
  const waiting = () => rig.network.queued(o.name, o.direction).some((f) => typeof f === 'string' && JSON.parse(f).type === o.type);
  for (let i = 0; i < 5000 && !waiting(); i++) {
    rig.network.deliverOne();
    await turn();
  }
  if (!waiting()) throw new Error(`no ${o.type} queued ${o.direction} ${o.name}`);
  // Deliver what comes before it, so it is next.
  while (true) {
    const head = rig.network.queued(o.name, o.direction)[0];
    if (typeof head === 'string' && JSON.parse(head).type === o.type) return;
    rig.network.deliverNext(o.name, o.direction);
    await turn();
  }
}

const serverOps = (rig: Rig) => rig.memory.sql.exec<{ replica: string; seq: number }>('SELECT replica, seq FROM ops ORDER BY server_seq');

async function seeded(rig: Rig): Promise<Replica> {
  const a = await rig.replica('a');
  await a.store.collection('todos').put({ id: 'base', title: 'Base', createdAt: 1 });
  await rig.settle();
  expect(a.state()).toMatchObject({ phase: 'live', pending: 0 });
  return a;
}

describe('frames of a closed connection', () => {
  test('a synced frame handled after its connection dropped neither stores a cursor without epoch nor marks sync live', async () => {
    const rig = createRig();
    await seeded(rig);
    const b = await rig.replica('b');
    await runUntilQueued(rig, { name: 'b', direction: 'to-client', type: 'synced' });
    // The frame reaches the client, and the connection drops before the engine handles it.
    rig.network.deliverNext('b', 'to-client');
    rig.network.sever('b');
    await turn();
    expect(b.state().phase).not.toBe('live');
    await rig.settle();
    expect(b.state()).toMatchObject({ phase: 'live', pending: 0 });
    const cursor = await b.host.readMeta<Cursor>('sync:lib');
    expect(cursor?.epoch).toEqual(expect.any(String));
  });

  test('an ops frame whose handling outlives its connection still stores the epoch with the cursor', async () => {
    const rig = createRig();
    const a = await seeded(rig);
    const b = await rig.replica('b');
    await rig.settle();
    await a.store.collection('todos').put({ id: 'late', title: 'Late', createdAt: 2 });
    await runUntilQueued(rig, { name: 'b', direction: 'to-client', type: 'ops' });
    rig.network.deliverNext('b', 'to-client');
    await turn(); // the engine starts applying the ops...
    rig.network.sever('b'); // ...and the connection drops meanwhile
    await rig.settle();
    expect(b.state()).toMatchObject({ phase: 'live', pending: 0 });
    expect((await b.host.readMeta<Cursor>('sync:lib'))?.epoch).toEqual(expect.any(String));
    expect(await firstValueFrom(b.store.collection('todos').get('late'))).toMatchObject({ title: 'Late' });
  });
});

describe('seeding', () => {
  test('own writes a seed carries inside baselines count as stored: the next push is not a seq gap', () => {
    const fake = createFakeServer();
    const a = fake.connect('lib');
    // hello said localSeq 1, but the replica wrote seq 2 before the seed and compacted both into its head.
    expect(a.hello({ replicaId: 'A', localSeq: 1, atRisk: 1 }).decision).toBe('accept');
    const [op] = wireOps('A', 2, 2);
    const entry = { stamp: `${op!.ts}A`, seq: 2, change: op!.change };
    a.send({ type: 'seed', baselines: [{ collection: 'todos', id: op!.id, state: { entries: [entry] }, replicaId: 'A', ts: op!.ts }], ops: [], done: true });
    a.take('synced');
    a.send({ type: 'push', ops: wireOps('A', 3, 3) });
    expect(a.inbox.filter((m) => m.type === 'error')).toEqual([]);
    expect(a.take('ack')).toMatchObject({ fromSeq: 3, toSeq: 3 });
  });

  test('a replica that compacted before it ever synced seeds, pushes its next writes, and has nothing left at risk', async () => {
    const rig = createRig();
    const a = await rig.replica('a');
    // hello leaves with localSeq 1; the second write and the compaction happen before the server decides.
    await a.store.collection('todos').put({ id: 'd', title: 'one', createdAt: 1 });
    await until(() => rig.network.isConnected('a') || (rig.network.deliverNext('a'), false));
    await runUntilQueued(rig, { name: 'a', direction: 'to-server', type: 'hello' });
    await a.store.collection('todos').put({ id: 'd', title: 'two', createdAt: 2 });
    await a.store.compact();
    await rig.settle();
    await a.store.collection('todos').put({ id: 'e', title: 'after', createdAt: 3 });
    await rig.settle();
    expect(a.state()).toMatchObject({ phase: 'live', pending: 0 });
    expect(a.state().error).toBeUndefined();
    expect(await a.host.countAtRisk()).toBe(0);
    expect(serverOps(rig).map((r) => r.seq)).toEqual([3]);
  });

  test('a write made while the seed is in flight is pushed after it, even if the store compacts meanwhile', async () => {
    const rig = createRig();
    const a = await rig.replica('a');
    await a.store.collection('todos').put({ id: 'x', title: 'X', createdAt: 1 });
    await runUntilQueued(rig, { name: 'a', direction: 'to-server', type: 'seed' });
    await a.store.collection('todos').put({ id: 'y', title: 'Y', createdAt: 2 });
    await a.store.compact();
    await rig.settle();
    expect(a.state()).toMatchObject({ phase: 'live', pending: 0 });
    const b = await rig.replica('b');
    await rig.settle();
    expect((await firstValueFrom(b.store.collection('todos').find({ orderBy: 'id' }))).map((d) => d.id)).toEqual(['x', 'y']);
  });
});

describe('joining', () => {
  test('a join the user consented to survives a lost connection: no second prompt, join() resolves', async () => {
    const rig = createRig();
    await seeded(rig);
    const b = await rig.replica('b', { autoJoin: 'never' });
    await b.store.collection('todos').put({ id: 'mine', title: 'Mine', createdAt: 2 });
    await rig.settle();
    expect(b.state()).toMatchObject({ phase: 'join-required', joinRequired: { reason: 'late-joiner', atRisk: 1 } });
    let joined = false;
    void b.sync.join().then(() => (joined = true));
    await runUntilQueued(rig, { name: 'b', direction: 'to-server', type: 'join' });
    rig.network.sever('b');
    const phases: string[] = [];
    const subscription = b.sync.state.subscribe((s) => phases.push(s.phase));
    await rig.settle();
    subscription.unsubscribe();
    expect(phases).not.toContain('join-required');
    expect(joined).toBe(true);
    expect((await firstValueFrom(b.store.archives)).map((x) => x.ops.map((op) => op.id))).toEqual([['mine']]);
  });
});

/**
 * PROTOCOL.md section 8: `join` needs a replica id new to the library. An id
 * that already has ops there (even ops another replica seeded, with no row of
 * its own) or that is registered to anyone is refused with SYNC_REPLICA_ID_IN_USE,
 * and nothing changes: a hostile user cannot take over a writer's id and lock
 * its owner out, and no push ever meets a SQLite uniqueness error.
 */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { firstValueFrom } from 'rxjs';
import { filter, timeout } from 'rxjs/operators';
import { describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { nanoid } from 'nanoid';
import { createStore, ErrorCode } from 'trellis';
import { createSync } from 'trellis/sync';
import { todoSchema } from '../helpers/todo-schema.js';
import { startTestServer } from '../helpers/start-test-server.js';
import type { TestServer } from '../helpers/start-test-server.js';
import { wireOps } from '../helpers/wire-ops.js';

/** ada's replica S seeds the library with its own op and two of replica Y's (synced from elsewhere): Y has ops but no row. */
async function seededLibrary(server: TestServer): Promise<void> {
  const seeder = await server.connect('team', { user: 'ada' });
  await seeder.hello({ replicaId: 'S', localSeq: 1, atRisk: 1 });
  seeder.send({ type: 'seed', baselines: [], ops: [...wireOps('S', 1, 1), ...wireOps('Y', 1, 2)], done: true });
  expect(await seeder.next('synced')).toEqual({ type: 'synced', serverSeq: 3 });
  await seeder.close();
}

const replicaRows = (server: TestServer) => server.query('SELECT replica, user, max_seq FROM replicas ORDER BY replica');

describe('join refuses a replica id that is not new to the library', () => {
  test("another user's join under an id that has ops is refused, and the id's owner can still connect, join and push", async () => {
    const server = await startTestServer();
    await seededLibrary(server);
    const before = replicaRows(server);

    const mallory = await server.connect('team', { user: 'mallory' });
    expect(await mallory.hello({ replicaId: 'M' })).toMatchObject({ decision: 'reset', reason: 'late-joiner' });
    mallory.send({ type: 'join', replicaId: 'Y' });
    expect(await mallory.next('error')).toMatchObject({ code: ErrorCode.SYNC_REPLICA_ID_IN_USE, details: { replicaId: 'Y' } });
    expect(replicaRows(server)).toEqual(before);
    expect(mallory.received.some((m) => m.type === 'snapshot')).toBe(false);
    // The refused connection may still join under a fresh id, and push as it.
    mallory.send({ type: 'join', replicaId: 'M2' });
    expect(await mallory.next('synced')).toEqual({ type: 'synced', serverSeq: 3 });
    mallory.send({ type: 'push', ops: wireOps('M2', 1, 1) });
    expect(await mallory.next('ack')).toMatchObject({ replicaId: 'M2', toSeq: 1 });

    // Y's owner comes back: not forbidden, a late joiner (Y has no row), and it writes under its new id.
    const owner = await server.connect('team', { user: 'ada' });
    expect(await owner.hello({ replicaId: 'Y', localSeq: 2 })).toMatchObject({ decision: 'reset', reason: 'late-joiner' });
    owner.send({ type: 'join', replicaId: 'Y2' });
    expect(await owner.next('synced')).toEqual({ type: 'synced', serverSeq: 4 });
    owner.send({ type: 'push', ops: wireOps('Y2', 1, 1) });
    expect(await owner.next('ack')).toMatchObject({ replicaId: 'Y2', toSeq: 1, firstServerSeq: 5 });
    expect(server.logs.some((l) => l.event === 'server.internal')).toBe(false);
  });

  test('the same user joining under an id that has ops is refused too, so its first push cannot fail inside the server', async () => {
    const server = await startTestServer();
    await seededLibrary(server);
    const ada = await server.connect('team', { user: 'ada' });
    await ada.hello({ replicaId: 'A' });
    ada.send({ type: 'join', replicaId: 'Y' });
    expect(await ada.next('error')).toMatchObject({ code: ErrorCode.SYNC_REPLICA_ID_IN_USE });
    ada.send({ type: 'join', replicaId: 'A2' });
    await ada.next('synced');
    ada.send({ type: 'push', ops: wireOps('A2', 1, 1) });
    expect(await ada.next('ack')).toMatchObject({ replicaId: 'A2', toSeq: 1 });
    expect(server.logs.some((l) => l.event === 'server.internal')).toBe(false);
  });

  test('an id registered to the library is refused whoever joins with it, even before it wrote anything', async () => {
    const server = await startTestServer();
    await seededLibrary(server);
    const first = await server.connect('team', { user: 'ada' });
    await first.hello({ replicaId: 'A' });
    first.send({ type: 'join', replicaId: 'R' });
    await first.next('synced');
    const before = replicaRows(server);
    for (const user of ['ada', 'mallory']) {
      const other = await server.connect('team', { user });
      await other.hello({ replicaId: `${user}-old` });
      other.send({ type: 'join', replicaId: 'R' });
      expect(await other.next('error')).toMatchObject({ code: ErrorCode.SYNC_REPLICA_ID_IN_USE, details: { replicaId: 'R' } });
    }
    expect(replicaRows(server)).toEqual(before);
  });

  test('an id whose ops were compacted into baselines is still not new', async () => {
    const server = await startTestServer();
    await seededLibrary(server);
    // S's cursor at the head lets the horizon pass Y's ops: they live on only in baselines.
    const seeder = await server.connect('team', { user: 'ada' });
    const decision = await seeder.hello({ replicaId: 'S', localSeq: 1, cursor: { epoch: (await server.query<{ epoch: string }>('SELECT epoch FROM libraries'))[0]!.epoch, serverSeq: 3 } });
    expect(decision.decision).toBe('resume');
    seeder.send({ type: 'cursor', serverSeq: 3 });
    await seeder.close();
    server.node.compact('team');
    expect(server.query("SELECT COUNT(*) AS n FROM ops WHERE replica = 'Y'")).toEqual([{ n: 0 }]);

    const mallory = await server.connect('team', { user: 'mallory' });
    await mallory.hello({ replicaId: 'M' });
    mallory.send({ type: 'join', replicaId: 'Y' });
    expect(await mallory.next('error')).toMatchObject({ code: ErrorCode.SYNC_REPLICA_ID_IN_USE });
  });

  test('the sync plugin whose join is refused for a taken id joins again under a fresh one, with the consent it already had', async () => {
    const server = await startTestServer();
    await seededLibrary(server);
    // The store's id generator names the replica 'L', then offers the taken 'Y' for the join, then fresh ids.
    const offered = ['L', 'Y'];
    const store = await createStore({
      name: 'taken-id',
      schema: todoSchema as never,
      indexedDB: new IDBFactory(),
      IDBKeyRange,
      createId: () => offered.shift() ?? nanoid(),
    });
    const token = await server.token({ library: 'team', user: 'bob' });
    const sync = createSync(store, { url: server.url, library: 'team', token, WebSocket, autoJoin: 'always' });
    const live = await firstValueFrom(sync.state.pipe(filter((s) => s.phase === 'live' || s.phase === 'error'), timeout(10_000)));
    expect(live.phase).toBe('live');
    const replicaId = store.replicaId;
    expect(replicaId).not.toBe('Y');
    expect(replicaId).not.toBe('L');
    // One join was refused (the taken id), the next one took: the replica registered is the fresh id.
    expect(server.logs.filter((l) => l.event === 'replica.joined').map((l) => l.fields?.replicaId)).toEqual([replicaId]);
    expect(replicaRows(server).some((r) => r.replica === replicaId)).toBe(true);
    expect(replicaRows(server).find((r) => r.replica === 'Y')).toBeUndefined();
    await sync.stop();
    await store.close();
  });
});


import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { allTodos, eventually, openReplica, type TestReplica } from '../helpers/sync-harness.js';
import { servers } from '../helpers/servers.js';

const titles = async (replica: TestReplica) => (await allTodos(replica)).map((t) => t.title);

describe.each(servers)('late joiner (store + sync plugin) ($name)', (factory) => {
  it('the first replica initializes the library; a second with its own docs must consent, then holds exactly the library and an archive', async () => {
    const server = await factory.start();
    const first = await openReplica(server, 'lib-1', { connect: false });
    await first.store.collection('todos').put({ id: 'a', title: 'From first', createdAt: 1 });
    first.connect();
    await first.settle();

    const second = await openReplica(server, 'lib-1', { connect: false });
    await second.store.collection('todos').put({ id: 'x', title: 'Offline one', createdAt: 2 });
    await second.store.collection('todos').put({ id: 'y', title: 'Offline two', createdAt: 3 });
    second.connect();
    const required = await second.waitFor((s) => s.phase === 'join-required');
    expect(required.joinRequired).toEqual({ reason: 'late-joiner', atRisk: 2 });
    expect(await titles(second)).toEqual(['Offline one', 'Offline two']);
    expect(await titles(first)).toEqual(['From first']);
    // sync.atRisk() reads what the join will archive, before the user consents.
    const atRisk = await second.sync.atRisk();
    expect({ replicaId: atRisk.replicaId, ids: atRisk.ops.map((op) => op.id) }).toEqual({ replicaId: second.store.replicaId, ids: ['x', 'y'] });

    await second.sync.join();
    expect(await titles(second)).toEqual(['From first']);
    const archives = await firstValueFrom(second.store.archives);
    expect(archives).toHaveLength(1);
    expect(archives[0]?.ops.map((op) => op.id)).toEqual(['x', 'y']);
    expect(archives[0]?.ops).toEqual(atRisk.ops);
    expect(archives[0]?.replicaId).toBe(atRisk.replicaId);
    expect(await second.sync.atRisk()).toEqual({ replicaId: second.store.replicaId, ops: [] });

    await second.store.collection('todos').put({ id: 'b', title: 'From second', createdAt: 4 });
    await second.settle();
    await eventually(first.store.collection('todos').get('b'), (doc) => doc?.title === 'From second');
    expect(await allTodos(first)).toEqual(await allTodos(second));
    await first.close();
    await second.close();
  });

  it('join() outside join-required is refused with SYNC_NOTHING_TO_JOIN', async () => {
    const server = await factory.start();
    const only = await openReplica(server, 'lib-1');
    await only.settle();
    await expect(only.sync.join()).rejects.toMatchObject({ code: 'SYNC_NOTHING_TO_JOIN' });
    await only.close();
  });
});

describe.each(servers)('fresh replicas ($name)', (factory) => {
  it('a replica whose database was deleted comes back with a new ID and joins by itself', async () => {
    const server = await factory.start();
    const first = await openReplica(server, 'lib-2');
    await first.store.collection('todos').put({ id: 'a', title: 'Shared', createdAt: 1 });
    await first.settle();
    const oldId = first.store.replicaId;
    await first.close();
    await new Promise<void>((resolve, reject) => {
      const request = first.db.indexedDB.deleteDatabase(first.db.name);
      request.onsuccess = () => resolve();
      request.onerror = () => reject(request.error);
    });

    const again = await openReplica(server, 'lib-2', { db: first.db });
    expect(again.store.replicaId).not.toBe(oldId);
    await again.waitFor((s) => s.phase === 'live');
    expect(await titles(again)).toEqual(['Shared']);
    expect(await firstValueFrom(again.store.archives)).toEqual([]);
    await again.close();
  });
});

import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { cloneDatabase } from '../helpers/clone-database.js';
import { allTodos, eventually, openReplica } from '../helpers/sync-harness.js';
import { servers } from '../helpers/servers.js';

describe.each(servers)('a cloned replica ($name)', (factory) => {
  it('a copied store whose copies both wrote is caught as a fork at hello, joins under a new replica id with its writes archived, and converges', async () => {
    const server = await factory.start();
    const first = await openReplica(server, 'lib-fork');
    await first.store.collection('todos').put({ id: 'a', title: 'Before the copy', createdAt: 1 });
    await first.settle();
    const replicaId = first.store.replicaId;
    await first.close();

    // The profile is copied: both copies hold the same replica id, seq and cursor.
    const copy = await cloneDatabase(first.db);
    const original = await openReplica(server, 'lib-fork', { db: first.db, connect: false });
    const clone = await openReplica(server, 'lib-fork', { db: copy, connect: false });
    expect(clone.store.replicaId).toBe(replicaId);
    // Both write offline: the same (replicaId, seq) now names two different ops.
    await original.store.collection('todos').put({ id: 'o', title: 'Written by the original', createdAt: 2 });
    await clone.store.collection('todos').put({ id: 'c', title: 'Written by the clone', createdAt: 3 });

    original.connect();
    await original.settle();
    clone.connect();
    const required = await clone.waitFor((s) => s.phase === 'join-required' || s.phase === 'live');
    // Not a silent `live` with other documents: the clone must ask, and says why.
    expect(required.phase).toBe('join-required');
    expect(required.joinRequired).toEqual({ reason: 'fork', atRisk: 1 });

    await clone.sync.join();
    expect(clone.store.replicaId).not.toBe(replicaId);
    const archives = await firstValueFrom(clone.store.archives);
    expect(archives).toHaveLength(1);
    expect(archives[0]?.reason).toBe('fork');
    expect(archives[0]?.ops.map((op) => op.id)).toEqual(['c']);
    expect((await allTodos(clone)).map((t) => t.id)).toEqual(['a', 'o']);

    // Both go on under their own ids and converge.
    await clone.store.collection('todos').put({ id: 'd', title: 'After the join', createdAt: 4 });
    await clone.settle();
    await eventually(original.store.collection('todos').get('d'), (doc) => doc?.title === 'After the join');
    expect(await allTodos(original)).toEqual(await allTodos(clone));
    await original.close();
    await clone.close();
  });

  it('a copy that wrote fewer ops than the other is told to reset as a fork too, and converges with its writes archived', async () => {
    const server = await factory.start();
    const first = await openReplica(server, 'lib-fork-behind');
    await first.store.collection('todos').put({ id: 'a', title: 'Before the copy', createdAt: 1 });
    await first.settle();
    const replicaId = first.store.replicaId;
    await first.close();
    const copy = await cloneDatabase(first.db);
    const original = await openReplica(server, 'lib-fork-behind', { db: first.db, connect: false });
    const clone = await openReplica(server, 'lib-fork-behind', { db: copy, connect: false });
    await original.store.collection('todos').put({ id: 'o1', title: 'Original one', createdAt: 2 });
    await original.store.collection('todos').put({ id: 'o2', title: 'Original two', createdAt: 3 });
    await clone.store.collection('todos').put({ id: 'c', title: 'Clone', createdAt: 4 });
    original.connect();
    await original.settle();
    clone.connect();
    const required = await clone.waitFor((s) => s.phase === 'join-required' || s.phase === 'live');
    expect(required.joinRequired).toEqual({ reason: 'fork', atRisk: 1 });
    await clone.sync.join();
    expect(clone.store.replicaId).not.toBe(replicaId);
    expect((await firstValueFrom(clone.store.archives))[0]?.ops.map((op) => op.id)).toEqual(['c']);
    expect(await allTodos(clone)).toEqual(await allTodos(original));
    await original.close();
    await clone.close();
  });

  it('a replica row from before op hashes were kept (last_hash null) is still checked: the hash comes from the op log', async () => {
    const server = await factory.start();
    const first = await openReplica(server, 'lib-fork-old-row');
    await first.store.collection('todos').put({ id: 'a', title: 'Before the copy', createdAt: 1 });
    await first.settle();
    await first.close();
    const copy = await cloneDatabase(first.db);
    const original = await openReplica(server, 'lib-fork-old-row', { db: first.db, connect: false });
    const clone = await openReplica(server, 'lib-fork-old-row', { db: copy, connect: false });
    await original.store.collection('todos').put({ id: 'o', title: 'Original', createdAt: 2 });
    await clone.store.collection('todos').put({ id: 'c', title: 'Clone', createdAt: 3 });
    original.connect();
    await original.settle();
    // As a server upgraded from protocol 3 holds it: the row has no hash of the op at max_seq.
    await server.query('lib-fork-old-row', 'UPDATE replicas SET last_hash = NULL');
    expect(await server.query('lib-fork-old-row', 'SELECT last_hash FROM replicas')).toEqual([{ last_hash: null }]);
    clone.connect();
    const required = await clone.waitFor((s) => s.phase === 'join-required' || s.phase === 'live');
    expect(required.joinRequired).toEqual({ reason: 'fork', atRisk: 1 });
    await clone.sync.join();
    expect((await firstValueFrom(clone.store.archives))[0]?.ops.map((op) => op.id)).toEqual(['c']);
    expect(await allTodos(clone)).toEqual(await allTodos(original));
    await original.close();
    await clone.close();
  });
});

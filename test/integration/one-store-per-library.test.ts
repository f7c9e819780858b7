import Database from 'better-sqlite3';
import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { eventually, openReplica, startTestServer } from '../helpers/sync-harness.js';

describe('one store per library', () => {
  it('a store that synced with one library is refused by another (SYNC_WRONG_LIBRARY, nothing sent), and still syncs with the first', async () => {
    const server = await startTestServer();
    const replica = await openReplica(server, 'lib-first');
    await replica.store.collection('todos').put({ id: 'a', title: 'In the first library', createdAt: 1 });
    await replica.settle();
    await replica.sync.stop();

    const second = replica.connect({ library: 'lib-second', getToken: () => server.token('lib-second') });
    const refused = await replica.waitFor((s) => s.phase === 'error');
    expect(refused.error?.code).toBe('SYNC_WRONG_LIBRARY');
    expect(refused.error?.message).toContain('lib-first');
    await expect(second.join()).rejects.toMatchObject({ code: 'SYNC_WRONG_LIBRARY' });
    await expect(second.flushed()).rejects.toMatchObject({ code: 'SYNC_WRONG_LIBRARY' });
    await second.stop();

    // The first library still syncs: a write made now reaches another of its replicas.
    replica.connect({ library: 'lib-first' });
    await replica.store.collection('todos').put({ id: 'b', title: 'Still synced', createdAt: 2 });
    await replica.sync.flushed();
    const other = await openReplica(server, 'lib-first');
    await eventually(other.store.collection('todos').get('b'), (doc) => doc?.title === 'Still synced');

    // Nothing of the store reached the second library: no replica registered, no op stored.
    const db = new Database(server.dbPath, { readonly: true });
    try {
      expect(db.prepare("SELECT COUNT(*) AS n FROM replicas WHERE library = 'lib-second'").get()).toEqual({ n: 0 });
      expect(db.prepare("SELECT COUNT(*) AS n FROM ops WHERE library = 'lib-second'").get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
    await other.close();
    await replica.close();
    await server.dispose();
  });

  it('a store of one library moves to another that has history only through the consent flow: nothing sent before join(), its pending write archived, then it belongs to the new library', async () => {
    const server = await startTestServer();
    const other = await openReplica(server, 'lib-b');
    await other.store.collection('todos').put({ id: 'b', title: 'In library b', createdAt: 1 });
    await other.settle();
    const replica = await openReplica(server, 'lib-a');
    await replica.settle();
    await replica.sync.stop();
    await replica.store.collection('todos').put({ id: 'a2', title: 'Not acknowledged by a', createdAt: 2 });

    replica.connect({ library: 'lib-b', getToken: () => server.token('lib-b'), autoJoin: 'never' });
    const required = await replica.waitFor((s) => s.phase === 'join-required' || s.phase === 'live');
    expect(required.phase).toBe('join-required');
    const db = new Database(server.dbPath, { readonly: true });
    try {
      expect(db.prepare("SELECT COUNT(*) AS n FROM ops WHERE library = 'lib-b' AND id = 'a2'").get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
    await replica.sync.join();
    expect((await firstValueFrom(replica.store.archives))[0]?.ops.map((op) => op.id)).toEqual(['a2']);
    await replica.sync.stop();
    // Now it is library b's store: library a is the other one.
    replica.connect({ library: 'lib-b', getToken: () => server.token('lib-b') });
    await replica.waitFor((s) => s.phase === 'live');
    await other.close();
    await replica.close();
    await server.dispose();
  });
});

/**
 * Replication queries through the store and the sync plugin: a partial
 * replica holds only its query and keeps its own writes outside it (pushed
 * and stored); widening fetches the newly matching documents without a
 * reset; narrowing drops the documents no longer asked for, after archiving
 * the unacknowledged writes among them, which are still pushed.
 */
import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from 'trellis';
import { allTodos, eventually, openReplica, type TestReplica } from '../helpers/sync-harness.js';
import { servers } from '../helpers/servers.js';

const ids = async (replica: TestReplica) => (await allTodos(replica)).map((t) => t.id);

/** Library `lib` written by W: todos of projects p1 and p2, a note of p2. */
async function writtenLibrary(server: Parameters<typeof openReplica>[0]) {
  const w = await openReplica(server, 'lib');
  for (const id of ['p1/a', 'p1/b', 'p2/a', 'p2/b']) await w.store.collection('todos').put({ id, title: `W ${id}`, createdAt: 1 });
  await w.store.collection('notes').put({ id: 'p2/n', text: 'note' });
  await w.settle();
  return w;
}

describe.each(servers)('replication queries through the store ($name)', (factory) => {
  it('a partial replica holds only its query; its own write outside it is pushed, stored and kept', async () => {
    const server = await factory.start();
    const w = await writtenLibrary(server);
    const r = await openReplica(server, 'lib', { query: { idPrefix: 'p1/' } });
    await r.settle();
    expect(await ids(r)).toEqual(['p1/a', 'p1/b']);
    expect(await firstValueFrom(r.store.collection('notes').find())).toEqual([]);

    await r.store.collection('todos').put({ id: 'p2/r', title: 'R outside its query', createdAt: 2 });
    await r.sync.flushed();
    await eventually(w.store.collection('todos').get('p2/r'), (doc) => doc?.title === 'R outside its query');
    expect(await ids(r)).toEqual(['p1/a', 'p1/b', 'p2/r']);
    // Live: only p1 reaches R. The p1 write comes after the p2 one, so once it is here the other would be too.
    await w.store.collection('todos').put({ id: 'p2/c', title: 'W p2/c', createdAt: 3 });
    await w.store.collection('todos').put({ id: 'p1/c', title: 'W p1/c', createdAt: 3 });
    await eventually(r.store.collection('todos').get('p1/c'), (doc) => doc !== undefined);
    expect(await ids(r)).toEqual(['p1/a', 'p1/b', 'p1/c', 'p2/r']);
    await r.close();
    await w.close();
  });

  it('widening fetches the newly matching documents without a reset, and live ops follow', async () => {
    const server = await factory.start();
    const w = await writtenLibrary(server);
    const r = await openReplica(server, 'lib', { query: { collections: ['todos'], idPrefix: 'p1/' } });
    await r.settle();
    await r.store.collection('todos').put({ id: 'p2/r', title: 'R outside its query', createdAt: 2 });
    await r.sync.flushed();
    const replicaId = r.store.replicaId;
    // W's writes squashed into baselines (both replicas acknowledged them): the widening carries baselines.
    // Polled: the horizon moves once both replicas' cursors arrive (they are throttled).
    let squashed = 0;
    for (let i = 0; i < 100 && squashed === 0; i++) {
      squashed += (await server.compact('lib')).reduce((n, c) => n + c.squashed, 0);
      if (squashed === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(squashed).toBeGreaterThan(0);

    await r.sync.setQuery({ idPrefix: ['p1/', 'p2/'] });
    expect(await ids(r)).toEqual(['p1/a', 'p1/b', 'p2/a', 'p2/b', 'p2/r']);
    expect((await firstValueFrom(r.store.collection('notes').find())).map((n) => n.id)).toEqual(['p2/n']);
    // No reset: same replica, no archive.
    expect(r.store.replicaId).toBe(replicaId);
    expect(await firstValueFrom(r.store.archives)).toEqual([]);
    await w.store.collection('todos').update('p2/a', { title: 'W p2/a again' });
    await eventually(r.store.collection('todos').get('p2/a'), (doc) => doc?.title === 'W p2/a again');

    // The store remembers what it holds: a new sync with the same query resumes without widening again.
    await r.sync.stop();
    r.connect({ query: { idPrefix: ['p1/', 'p2/'] } });
    await r.settle();
    expect(await ids(r)).toEqual(['p1/a', 'p1/b', 'p2/a', 'p2/b', 'p2/r']);
    await r.close();
    await w.close();
  });

  it('narrowing drops the documents no longer asked for, archiving the unacknowledged writes among them, which still reach the server', async () => {
    const server = await factory.start();
    const w = await writtenLibrary(server);
    const r = await openReplica(server, 'lib', { query: { idPrefix: ['p1/', 'p2/'] } });
    await r.settle();
    expect(await ids(r)).toEqual(['p1/a', 'p1/b', 'p2/a', 'p2/b']);
    await r.sync.stop();
    // Offline: one write inside what stays, one in what goes.
    await r.store.collection('todos').update('p1/a', { title: 'R p1/a offline' });
    await r.store.collection('todos').update('p2/b', { title: 'R p2/b offline' });

    r.connect({ query: { idPrefix: 'p1/' } });
    await r.settle();
    expect(await ids(r)).toEqual(['p1/a', 'p1/b']);
    expect(await firstValueFrom(r.store.collection('notes').find())).toEqual([]);
    const archives = await firstValueFrom(r.store.archives);
    expect(archives.map((a) => ({ reason: a.reason, docs: a.ops.map((op) => op.id) }))).toEqual([{ reason: 'narrowed', docs: ['p2/b'] }]);
    // Nothing deleted on the server, and the archived write was pushed all the same.
    await eventually(w.store.collection('todos').get('p2/b'), (doc) => doc?.title === 'R p2/b offline');
    await eventually(w.store.collection('todos').get('p1/a'), (doc) => doc?.title === 'R p1/a offline');
    expect(await ids(w)).toEqual(['p1/a', 'p1/b', 'p2/a', 'p2/b']);

    // Widening again brings p2 back, with R's own write in it.
    await r.sync.setQuery({ idPrefix: ['p1/', 'p2/'] });
    expect((await firstValueFrom(r.store.collection('todos').get('p2/b')))?.title).toBe('R p2/b offline');
    await r.close();
    await w.close();
  });

  it('a malformed query is refused with INVALID_ARGUMENT and changes nothing', async () => {
    const server = await factory.start();
    const r = await openReplica(server, 'lib', { connect: false });
    expect(() => r.connect({ query: { idPrefix: '' } })).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }));
    r.connect({ query: { idPrefix: 'p1/' } });
    await r.settle();
    await expect(r.sync.setQuery({ collections: Array.from({ length: 17 }, (_, i) => `c${i}`) })).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
    await expect(r.sync.setQuery({ idPrefx: 'p' } as never)).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
    expect(r.state().phase).toBe('live');
    await r.close();
  });
});

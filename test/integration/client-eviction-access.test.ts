import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { allTodos, eventually, openReplica } from '../helpers/sync-harness.js';
import { servers } from '../helpers/servers.js';


describe.each(servers)('eviction ($name)', (factory) => {
  it('an evicted library is restored by the next replica with history; the others are reset to that state', async () => {
    const server = await factory.start();
    const a = await openReplica(server, 'lib');
    await a.settle();
    const b = await openReplica(server, 'lib');
    await b.settle();
    await a.store.collection('todos').put({ id: 'kept', title: 'Kept', createdAt: 1 });
    await eventually(b.store.collection('todos').get('kept'), (d) => d !== undefined);
    await a.settle();
    await b.sync.stop();

    await server.evict('lib');
    await a.waitFor((s) => s.phase !== 'live');
    await a.settle();
    expect(a.state().joinRequired).toBeUndefined();

    await a.store.collection('todos').put({ id: 'after', title: 'After restore', createdAt: 2 });
    await a.settle();
    b.connect();
    await b.settle();
    await eventually(b.store.collection('todos').find(), (docs) => docs.length === 2);
    expect(await allTodos(b)).toEqual(await allTodos(a));
    expect(await firstValueFrom(b.store.archives)).toEqual([]);
    await a.close();
    await b.close();
  });
});

describe.each(servers)('access ($name)', (factory) => {
  it('a bad token puts sync in the error phase with its code while others keep syncing', async () => {
    const server = await factory.start();
    const good = await openReplica(server, 'lib');
    await good.settle();
    const bad = await openReplica({ url: server.url, token: async () => 'not-a-token' }, 'lib');
    const failed = await bad.waitFor((s) => s.phase === 'error');
    expect(failed.error?.code).toBe('AUTH_TOKEN_INVALID');
    const wrong = await openReplica({ url: server.url, token: () => server.token('other-library') }, 'lib');
    expect((await wrong.waitFor((s) => s.phase === 'error')).error?.code).toBe('AUTH_WRONG_LIBRARY');
    await good.store.collection('todos').put({ id: 'ok', title: 'Still syncing', createdAt: 1 });
    await good.settle();
    await Promise.all([good.close(), bad.close(), wrong.close()]);
  });

  it('a read token receives the library but its pushes are refused, reported in the state', async () => {
    const server = await factory.start();
    const writer = await openReplica(server, 'lib');
    await writer.store.collection('todos').put({ id: 'w', title: 'Written', createdAt: 1 });
    await writer.settle();
    const reader = await openReplica({ url: server.url, token: (library) => server.token(library, { role: 'read' }) }, 'lib');
    await eventually(reader.store.collection('todos').get('w'), (d) => d !== undefined);
    await reader.waitFor((s) => s.phase === 'live');
    await reader.store.collection('todos').put({ id: 'r', title: 'Reader', createdAt: 2 });
    await reader.waitFor((s) => s.error?.code === 'AUTH_FORBIDDEN');
    // The refused write stays queued locally (pending), never lost.
    await reader.waitFor((s) => s.pending === 1);
    expect(await firstValueFrom(writer.store.collection('todos').get('r'))).toBeUndefined();
    await writer.close();
    await reader.close();
  });
});

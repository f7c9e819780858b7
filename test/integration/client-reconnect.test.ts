import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { allTodos, eventually, openReplica } from '../helpers/sync-harness.js';
import { logged, servers } from '../helpers/servers.js';


describe.each(servers)('reconnect and convergence ($name)', (factory) => {
  it("a known replica's offline edits survive reconnect and reach the others", async () => {
    const server = await factory.start();
    const a = await openReplica(server, 'lib');
    const b = await openReplica(server, 'lib');
    await a.store.collection('todos').put({ id: 't', title: 'Draft', createdAt: 1 });
    await eventually(b.store.collection('todos').get('t'), (doc) => doc !== undefined);

    await b.sync.stop();
    await b.store.collection('todos').update('t', { title: 'Edited offline' });
    await b.store.collection('todos').put({ id: 'u', title: 'Created offline', createdAt: 2 });
    expect(await firstValueFrom(b.store.collection('todos').get('t'))).toMatchObject({ title: 'Edited offline' });
    b.connect();
    await b.settle();
    expect(b.state().joinRequired).toBeUndefined();
    await eventually(a.store.collection('todos').find(), (docs) => docs.length === 2 && docs[0]?.title === 'Edited offline');
    expect(await allTodos(a)).toEqual(await allTodos(b));
    await a.close();
    await b.close();
  });

  it('concurrent edits on three replicas converge', async () => {
    const server = await factory.start();
    const replicas = await Promise.all([0, 1, 2].map(() => openReplica(server, 'lib')));
    await replicas[0]!.store.collection('todos').put({ id: 'doc', title: 'Start', createdAt: 0, tags: ['base'] });
    for (const r of replicas) await eventually(r.store.collection('todos').get('doc'), (d) => d !== undefined);
    await Promise.all(
      replicas.map(async (r, i) => {
        const todos = r.store.collection('todos');
        await todos.update('doc', { title: `title-${i}`, createdAt: i });
        await todos.listPush('doc', 'tags', `tag-${i}`);
        await todos.put({ id: `own-${i}`, title: `own ${i}`, createdAt: i });
        if (i === 1) await todos.update('doc', { meta: { color: 'green' } });
      }),
    );
    await Promise.all(replicas.map((r) => r.settle()));
    await Promise.all(replicas.map((r) => eventually(r.store.collection('todos').find(), (docs) => docs.length === 4)));
    await Promise.all(
      replicas.map((r) => eventually(r.store.collection('todos').get('doc'), (d) => (d?.tags.length ?? 0) === 4 && d?.meta?.color === 'green')),
    );
    const states = await Promise.all(replicas.map(allTodos));
    expect(states[1]).toEqual(states[0]);
    expect(states[2]).toEqual(states[0]);
    expect([...(states[0]!.find((d) => d.id === 'doc')?.tags ?? [])].sort()).toEqual(['base', 'tag-0', 'tag-1', 'tag-2']);
    await Promise.all(replicas.map((r) => r.close()));
  });
});

describe.each(servers)('truancy ($name)', (factory) => {
  it('a replica past the truancy window is reset (truant), its unsynced edits archived', async () => {
    const server = await factory.start({ clock: 1_000_000, truancyMs: 60_000 });
    const a = await openReplica(server, 'lib');
    await a.store.collection('todos').put({ id: 'shared', title: 'Shared', createdAt: 1 });
    await a.settle();
    const b = await openReplica(server, 'lib');
    await eventually(b.store.collection('todos').get('shared'), (d) => d !== undefined);
    await b.settle();
    await b.sync.stop();
    // The server refreshes last_seen when it handles the close; a Durable Object may do so after stop() resolves.
    // The clock moves only after that, or b would be seen 120 s later and resumed instead of found truant.
    const away = b.store.replicaId;
    await logged(server, (entry) => entry.event === 'connection.closed' && entry.fields.replicaId === away);
    await b.store.collection('todos').put({ id: 'late', title: 'Written while away', createdAt: 2 });
    await server.advanceClock(120_000);
    await a.store.collection('todos').update('shared', { title: 'Moved on' });
    await a.settle();

    b.connect({ autoJoin: 'never' });
    const required = await b.waitFor((s) => s.phase === 'join-required');
    expect(required.joinRequired).toEqual({ reason: 'truant', atRisk: 1 });
    expect(await firstValueFrom(b.store.collection('todos').get('late'))).toBeDefined();
    await b.sync.join();
    expect(await allTodos(b)).toEqual(await allTodos(a));
    const archives = await firstValueFrom(b.store.archives);
    expect(archives.map((x) => [x.reason, x.ops.map((op) => op.id)])).toEqual([['truant', ['late']]]);
    await a.close();
    await b.close();
  });
});

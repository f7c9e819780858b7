/**
 * Sync over plain HTTP (transport: 'http'), against the Node server and the
 * Durable Object: an HTTP replica and a WebSocket replica converge, a late
 * joiner over HTTP gets the library, an HTTP replica reconnects after the
 * server restarts, and behind a proxy that refuses upgrades the default
 * transport falls back to HTTP, and back to WebSocket once upgrades pass.
 */
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from 'trellis';
import { createSync } from 'trellis/sync';
import { allTodos, eventually, openReplica } from '../helpers/sync-harness.js';
import { logged, servers } from '../helpers/servers.js';
import { startUpgradeProxy } from '../helpers/upgrade-proxy.js';
import { createFallbackTransport } from '../../src/sync/transport-fallback.js';
import { createHttpTransport } from '../../src/sync/transport-http.js';
import { createWebSocketTransport } from '../../src/sync/transport-websocket.js';

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

describe.each(servers)('reconnecting over HTTP ($name)', (factory) => {
  it('an HTTP replica goes on after the server restarts: its offline writes arrive and it receives again', async () => {
    const server = await factory.start();
    const proxy = await startUpgradeProxy({ target: server.origin, blockUpgrades: false });
    const http = await openReplica({ url: proxy.url, token: server.token }, 'lib', { transport: 'http' });
    const web = await openReplica(server, 'lib');
    await http.store.collection('todos').put({ id: 'before', title: 'before the restart', createdAt: 1 });
    await eventually(web.store.collection('todos').get('before'), (doc) => doc !== undefined);
    await web.close();

    await server.restart();
    proxy.target = server.origin;
    await http.store.collection('todos').put({ id: 'during', title: 'written across the restart', createdAt: 2 });
    await http.settle();
    const after = await openReplica(server, 'lib');
    await eventually(after.store.collection('todos').find(), (docs) => docs.length === 2);
    await after.store.collection('todos').put({ id: 'after', title: 'after the restart', createdAt: 3 });
    await eventually(http.store.collection('todos').get('after'), (doc) => doc !== undefined);
    expect(await allTodos(http)).toEqual(await allTodos(after));
    await http.close();
    await after.close();
  });
});

describe.each(servers)('falling back to HTTP ($name)', (factory) => {
  it('behind a proxy that refuses upgrades, the default transport falls back to HTTP, says so, and converges', async () => {
    const server = await factory.start();
    const proxy = await startUpgradeProxy({ target: server.origin, blockUpgrades: true });
    const behind = await openReplica({ url: proxy.url, token: server.token }, 'lib');
    const web = await openReplica(server, 'lib');
    await behind.waitFor((s) => s.phase === 'live' && s.transport === 'http');
    expect(proxy.refused).toBeGreaterThanOrEqual(3);
    await behind.store.collection('todos').put({ id: 'b', title: 'from behind the proxy', createdAt: 1 });
    await web.store.collection('todos').put({ id: 'w', title: 'from the open network', createdAt: 2 });
    await eventually(web.store.collection('todos').get('b'), (doc) => doc !== undefined);
    await eventually(behind.store.collection('todos').get('w'), (doc) => doc !== undefined);
    expect(await allTodos(behind)).toEqual(await allTodos(web));
    await behind.close();
    await web.close();
  });

  it('once the proxy lets upgrades through, a probe socket opens and the replica moves back to WebSocket', async () => {
    const server = await factory.start();
    const proxy = await startUpgradeProxy({ target: server.origin, blockUpgrades: true });
    const transport = (options: Parameters<typeof createHttpTransport>[0]) =>
      createFallbackTransport({ ...options, websocket: createWebSocketTransport, http: createHttpTransport, probeMs: 200 });
    const behind = await openReplica({ url: proxy.url, token: server.token }, 'lib', { transport, WebSocket });
    const seen: string[] = [];
    behind.sync.state.subscribe((s) => seen.at(-1) !== s.transport && seen.push(String(s.transport)));
    await behind.waitFor((s) => s.phase === 'live' && s.transport === 'http');
    proxy.blockUpgrades = false;
    await behind.waitFor((s) => s.phase === 'live' && s.transport === 'websocket');
    // Seen since subscribing (the fallback may already have happened): HTTP, then WebSocket for good.
    expect(seen.slice(-2)).toEqual(['http', 'websocket']);
    const web = await openReplica(server, 'lib');
    await behind.store.collection('todos').put({ id: 'back', title: 'over WebSocket again', createdAt: 1 });
    await eventually(web.store.collection('todos').get('back'), (doc) => doc !== undefined);
    await behind.close();
    await web.close();
  });
});

describe.each(servers)('refusals over HTTP ($name)', (factory) => {
  it('a token for another library is refused as on a socket: phase error with AUTH_WRONG_LIBRARY', async () => {
    const server = await factory.start();
    const token = await server.token('other');
    const replica = await openReplica({ url: server.url, token: async () => token }, 'lib', { transport: 'http', connect: false });
    replica.sync = createSync(replica.store, { url: server.url, library: 'lib', token, transport: 'http' });
    const state = await replica.waitFor((s) => s.phase === 'error');
    expect(state.error?.code).toBe(ErrorCode.AUTH_WRONG_LIBRARY);
    await replica.close();
  });
});

describe('a token endpoint that fails, over HTTP', () => {
  it('getToken rejecting twice is reported as SYNC_TOKEN_UNAVAILABLE until sync goes live once a token comes', async () => {
    const { nodeServer } = await import('../helpers/servers.js');
    const server = await nodeServer.start();
    const token = await server.token('lib');
    let calls = 0;
    const getToken = async () => {
      if (++calls <= 2) throw new Error('token endpoint down');
      return token;
    };
    const replica = await openReplica(server, 'lib', { connect: false });
    replica.sync = createSync(replica.store, { url: server.url, library: 'lib', getToken, transport: 'http' });
    const states: { phase: string; code: string | undefined }[] = [];
    replica.sync.state.subscribe((s) => states.push({ phase: s.phase, code: s.error?.code }));
    const live = await replica.waitFor((s) => s.phase === 'live');
    expect(calls).toBe(3);
    expect(live.error).toBeUndefined();
    // The error stayed shown from the first failure until sync was live.
    const first = states.findIndex((s) => s.code === 'SYNC_TOKEN_UNAVAILABLE');
    expect(first).toBeGreaterThanOrEqual(0);
    expect(states.slice(first).filter((s) => s.phase !== 'live').every((s) => s.code === 'SYNC_TOKEN_UNAVAILABLE')).toBe(true);
    await replica.close();
  });
});

describe('HTTP sessions on Node', () => {
  it("a long poll whose client leaves ends its session, so no frame is drained into an answer nobody reads", async () => {
    const { nodeServer } = await import('../helpers/servers.js');
    const server = await nodeServer.start();
    const token = await server.token('lib');
    const base = `${server.origin}/parties/trellis/lib/sessions`;
    const headers = { authorization: `Bearer ${token}` };
    const { session } = (await (await fetch(base, { method: 'POST', headers })).json()) as { session: string };
    const abort = new AbortController();
    const poll = fetch(`${base}/${session}`, { headers, signal: abort.signal }).catch((err: unknown) => err);
    await logged(server, (e) => e.event === 'http.poll' && e.fields.session === session);
    abort.abort();
    await poll;
    await logged(server, (e) => e.event === 'http.session-dropped' && e.fields.session === session);
    const after = await fetch(`${base}/${session}`, { headers });
    expect([after.status, ((await after.json()) as { code: string }).code]).toEqual([404, ErrorCode.HTTP_SESSION_NOT_FOUND]);
  });
});

describe('the fallback when the server is down', () => {
  it('HTTP failing too sends the transport back to WebSocket (the server is unreachable, not the upgrade blocked)', async () => {
    const { nodeServer } = await import('../helpers/servers.js');
    const server = await nodeServer.start();
    const proxy = await startUpgradeProxy({ target: server.origin, blockUpgrades: true });
    proxy.target = 'http://127.0.0.1:1'; // nothing listens: every HTTP request through the proxy fails
    const replica = await openReplica({ url: proxy.url, token: server.token }, 'lib');
    const seen: string[] = [];
    replica.sync.state.subscribe((s) => seen.at(-1) !== s.transport && seen.push(String(s.transport)));
    await replica.waitFor((s) => s.transport === 'http');
    await replica.waitFor((s) => s.transport === 'websocket');
    expect(seen.slice(-2)).toEqual(['http', 'websocket']);
    // Once the server is reachable again (upgrades still blocked), it settles on HTTP and syncs.
    proxy.target = server.origin;
    await replica.waitFor((s) => s.phase === 'live' && s.transport === 'http');
    await replica.close();
  });
});

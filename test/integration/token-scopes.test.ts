/**
 * Token scopes: a token issued with `scope` never receives anything outside
 * it (snapshot, live ops, catch-up, presence, files), and its ops outside it
 * are refused with AUTH_SCOPE_FORBIDDEN with nothing stored.
 */
import { describe, expect, test } from 'vitest';
import { ErrorCode } from 'trellis';
import type { ServerOp } from 'trellis/protocol';
import { setTimeout as sleep } from 'node:timers/promises';
import { cloudflareServer, servers } from '../helpers/servers.js';
import type { ServerUnderTest } from '../helpers/servers.js';
import type { ProtocolClient } from '../helpers/protocol-client.js';
import { wireOp } from '../helpers/wire-ops.js';
import { helloWith, receivedOps, until } from '../helpers/query-client.js';

const P1 = { idPrefix: 'p1/' } as const;

/** Library `team` seeded by the unscoped A with documents of projects p1 and p2 (and a note outside both). */
async function teamLibrary(server: ServerUnderTest) {
  const a = await server.connect('team');
  const ops = [
    wireOp({ replicaId: 'A', seq: 1, id: 'p1/one' }),
    wireOp({ replicaId: 'A', seq: 2, id: 'p2/one' }),
    wireOp({ replicaId: 'A', seq: 3, collection: 'notes', id: 'p1/note', change: { kind: 'put', value: { text: 'f-p1' } } }),
    wireOp({ replicaId: 'A', seq: 4, collection: 'notes', id: 'p2/note', change: { kind: 'put', value: { text: 'f-p2' } } }),
  ];
  expect((await helloWith(a, { replicaId: 'A', localSeq: 4 })).decision).toBe('accept');
  a.send({ type: 'seed', baselines: [], ops, done: true });
  await a.next('synced');
  return a;
}

/** A scoped replica joined to `team` (token scope P1 unless given). */
async function scopedJoin(server: ServerUnderTest, o: { replicaId: string; user?: string; scope?: object; query?: object; protocol?: number }) {
  const client = await server.connect('team', { user: o.user ?? 'sam', scope: o.scope ?? P1 });
  const decision =
    o.protocol === undefined ? await helloWith(client, { replicaId: o.replicaId, ...(o.query ? { query: o.query } : {}) }) : await client.hello({ replicaId: o.replicaId, protocol: o.protocol });
  client.send({ type: 'join', replicaId: `${o.replicaId}2` });
  await client.next('synced');
  return { client, decision };
}

const ids = (entries: readonly ServerOp[]) => entries.map((e) => `${e.op.collection}/${e.op.id}`).sort();

describe.each(servers)('token scopes ($name)', (factory) => {
  test('nothing outside the scope arrives: snapshot, live ops and catch-up, for a query wider than the scope and for a client of protocol 4', async () => {
    const server = await factory.start();
    const a = await teamLibrary(server);
    // Asks for everything starting with p: narrowed to the scope, and told so.
    const { client: sam, decision } = await scopedJoin(server, { replicaId: 'S', query: { idPrefix: ['p'] } });
    expect(decision.query).toEqual({ idPrefix: ['p1/'] });
    expect(ids(receivedOps(sam))).toEqual(['notes/p1/note', 'todos/p1/one']);
    const { client: old } = await scopedJoin(server, { replicaId: 'O', user: 'olga', protocol: 4 });
    expect(ids(receivedOps(old))).toEqual(['notes/p1/note', 'todos/p1/one']);

    a.send({ type: 'push', ops: [wireOp({ replicaId: 'A', seq: 5, id: 'p2/two' }), wireOp({ replicaId: 'A', seq: 6, id: 'p1/two' })] });
    await until(sam, { collection: 'todos', id: 'p1/two' });
    await until(old, { collection: 'todos', id: 'p1/two' });
    expect(ids(receivedOps(sam))).toEqual(['notes/p1/note', 'todos/p1/one', 'todos/p1/two']);
    expect(ids(receivedOps(old))).toEqual(['notes/p1/note', 'todos/p1/one', 'todos/p1/two']);
    await sam.close();

    a.send({ type: 'push', ops: [wireOp({ replicaId: 'A', seq: 7, id: 'p2/three' }), wireOp({ replicaId: 'A', seq: 8, id: 'p1/three' })] });
    await a.next('ack');
    await a.next('ack');
    const back = await server.connect('team', { user: 'sam', scope: P1 });
    // A replica that says no query gets its scope.
    expect(await helloWith(back, { replicaId: 'S2', cursor: { epoch: decision.epoch, serverSeq: 6 } })).toMatchObject({ decision: 'resume', query: { idPrefix: ['p1/'] } });
    await back.next('synced');
    expect(ids(receivedOps(back))).toEqual(['todos/p1/three']);
  });

  test('a push with any op outside the scope is refused whole with AUTH_SCOPE_FORBIDDEN and nothing is stored; inside, it is stored', async () => {
    const server = await factory.start();
    await teamLibrary(server);
    const { client: sam } = await scopedJoin(server, { replicaId: 'S' });
    const inside = wireOp({ replicaId: 'S2', seq: 1, id: 'p1/mine' });
    const outside = wireOp({ replicaId: 'S2', seq: 2, id: 'p2/theirs' });
    sam.send({ type: 'push', ops: [inside, outside] });
    const refused = await sam.next('error');
    expect(refused).toMatchObject({ code: ErrorCode.AUTH_SCOPE_FORBIDDEN, details: { collection: 'todos', id: 'p2/theirs' } });
    // Another collection, same prefix: the scope has no collections list, so it is inside.
    sam.send({ type: 'push', ops: [inside, wireOp({ replicaId: 'S2', seq: 2, collection: 'notes', id: 'p1/n' })] });
    expect(await sam.next('ack')).toMatchObject({ fromSeq: 1, toSeq: 2 });
    expect(await server.query('team', "SELECT id FROM ops WHERE replica = 'S2' ORDER BY seq")).toEqual([{ id: 'p1/mine' }, { id: 'p1/n' }]);

    const scopedToTodos = await server.connect('team', { user: 'tess', scope: { collections: ['todos'], idPrefix: ['p1/'] } });
    await helloWith(scopedToTodos, { replicaId: 'T' });
    scopedToTodos.send({ type: 'join', replicaId: 'T2' });
    await scopedToTodos.next('synced');
    scopedToTodos.send({ type: 'push', ops: [wireOp({ replicaId: 'T2', seq: 1, collection: 'notes', id: 'p1/x' })] });
    expect((await scopedToTodos.next('error')).code).toBe(ErrorCode.AUTH_SCOPE_FORBIDDEN);
    expect(await server.query('team', "SELECT COUNT(*) AS n FROM ops WHERE replica = 'T2'")).toEqual([{ n: 0 }]);
  });

  test('a seed by a scoped token holding a document outside the scope is refused and the library stays empty', async () => {
    const server = await factory.start();
    const sam = await server.connect('fresh', { user: 'sam', scope: P1 });
    expect((await helloWith(sam, { replicaId: 'S', localSeq: 2 })).decision).toBe('accept');
    sam.send({ type: 'seed', baselines: [], ops: [wireOp({ replicaId: 'S', seq: 1, id: 'p1/a' }), wireOp({ replicaId: 'S', seq: 2, id: 'p2/a' })], done: true });
    expect((await sam.next('error')).code).toBe(ErrorCode.AUTH_SCOPE_FORBIDDEN);
    expect(await server.query('fresh', 'SELECT COUNT(*) AS n FROM ops')).toEqual([{ n: 0 }]);
    sam.send({ type: 'seed', baselines: [], ops: [wireOp({ replicaId: 'S', seq: 1, id: 'p1/a' }), wireOp({ replicaId: 'S', seq: 2, id: 'p1/b' })], done: true });
    expect(await sam.next('synced')).toEqual({ type: 'synced', serverSeq: 2 });
  });

  test('presence: a scoped replica sees only replicas whose scope lies within its own; an unscoped one sees all', async () => {
    const server = await factory.start();
    await teamLibrary(server);
    const join = async (client: ProtocolClient, replicaId: string) => {
      await helloWith(client, { replicaId });
      client.send({ type: 'join', replicaId: `${replicaId}2` });
      await client.next('synced');
      client.send({ type: 'presence', state: { at: replicaId } });
      return client;
    };
    const ada = await join(await server.connect('team', { user: 'ada' }), 'Ada');
    const sam = await join(await server.connect('team', { user: 'sam', scope: P1 }), 'Sam');
    const tom = await join(await server.connect('team', { user: 'tom', scope: { idPrefix: 'p2/' } }), 'Tom');
    const sue = await join(await server.connect('team', { user: 'sue', scope: P1 }), 'Sue');
    const tim = await join(await server.connect('team', { user: 'tim', scope: { idPrefix: 'p2/' } }), 'Tim');
    const seen = (c: ProtocolClient) =>
      [...new Set(c.received.flatMap((m) => (m.type === 'presence' ? (m.replicas ?? []).map((r) => r.replicaId) : [])))].sort();
    // Sue joined last: once Ada saw her, every earlier presence frame to Ada has arrived; Sam's and Sue's answers too.
    for (;;) if (((await ada.next('presence')).replicas ?? []).some((r) => r.replicaId === 'Sue2')) break;
    for (;;) if (((await sam.next('presence')).replicas ?? []).some((r) => r.replicaId === 'Sue2')) break;
    // Tim (scope p2/, after Sue): once Tom saw him, a leak of Sue's presence to Tom would have arrived before.
    for (;;) if (((await tom.next('presence')).replicas ?? []).some((r) => r.replicaId === 'Tim2')) break;
    await tim.next('presence');
    expect(seen(ada).filter((id) => id !== 'Tim2')).toEqual(['Sam2', 'Sue2', 'Tom2']);
    expect(seen(sam)).toEqual(['Sue2']);
    expect(seen(sue)).toEqual(['Sam2']);
    expect(seen(tom)).toEqual(['Tim2']);
    expect(seen(tim)).toEqual(['Tom2']);
  });

  test('files: a scoped token downloads a file an in-scope document refers to, and is refused one only out-of-scope documents refer to', async () => {
    const server = await factory.start({ files: true });
    const fileUrl = (id: string) => `${server.url.replace(/^ws/, 'http')}/team/files/${id}`;
    const writer = `Bearer ${await server.token('team')}`;
    for (const id of ['f-p1', 'f-p2']) expect((await fetch(fileUrl(id), { method: 'PUT', body: id, headers: { authorization: writer } })).status).toBe(201);
    await teamLibrary(server);
    const scoped = `Bearer ${await server.token('team', { user: 'sam', scope: P1 })}`;
    const mine = await fetch(fileUrl('f-p1'), { headers: { authorization: scoped } });
    expect(mine.status).toBe(200);
    expect(await mine.text()).toBe('f-p1');
    for (const method of ['GET', 'HEAD']) {
      const theirs = await fetch(fileUrl('f-p2'), { method, headers: { authorization: scoped } });
      expect(theirs.status).toBe(403);
      if (method === 'GET') expect(await theirs.json()).toMatchObject({ code: ErrorCode.AUTH_SCOPE_FORBIDDEN });
    }
    // Not stored at all: the same answer, so a scoped token cannot tell which files exist outside its scope.
    expect((await fetch(fileUrl('f-none'), { headers: { authorization: scoped } })).status).toBe(403);
    expect((await fetch(fileUrl('f-p2'), { headers: { authorization: writer } })).status).toBe(200);
  });
});

describe('token scopes and queries across hibernation (cloudflare)', () => {
  /** workerd evicts an object with only hibernatable sockets after 10 s without events. */
  const HIBERNATION_MS = 12_000;

  test(
    'a hibernated object wakes with each socket\'s scope and query: fan-out after it is still filtered',
    async () => {
      const server = await cloudflareServer.start();
      const a = await teamLibrary(server);
      const { client: sam } = await scopedJoin(server, { replicaId: 'S' });
      const queried = await server.connect('team', { user: 'quinn' });
      await helloWith(queried, { replicaId: 'Q', query: { collections: ['notes'] } });
      queried.send({ type: 'join', replicaId: 'Q2' });
      await queried.next('synced');

      await sleep(HIBERNATION_MS);
      const note = (seq: number, id: string) => wireOp({ replicaId: 'A', seq, collection: 'notes', id, change: { kind: 'put', value: { text: id } } });
      a.send({ type: 'push', ops: [wireOp({ replicaId: 'A', seq: 5, id: 'p2/x' }), note(6, 'p2/y'), wireOp({ replicaId: 'A', seq: 7, id: 'p1/z' })] });
      await a.next('ack');
      expect(await server.instances('team')).toBe(2);
      // A last op both receive: once it arrived, anything of the first push would have.
      a.send({ type: 'push', ops: [note(8, 'p1/w')] });
      await until(sam, { collection: 'notes', id: 'p1/w' });
      await until(queried, { collection: 'notes', id: 'p1/w' });
      expect(ids(receivedOps(sam))).toEqual(['notes/p1/note', 'notes/p1/w', 'todos/p1/one', 'todos/p1/z']);
      expect(ids(receivedOps(queried))).toEqual(['notes/p1/note', 'notes/p1/w', 'notes/p2/note', 'notes/p2/y']);
    },
    HIBERNATION_MS + 20_000,
  );
});

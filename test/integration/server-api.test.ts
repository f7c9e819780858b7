/**
 * The server API (`server.library(name).collection(c)`) on a real server,
 * Node and Durable Object: its writes go through the push path as the server
 * replica, so they reach live replicas at once and late joiners in their
 * snapshot; its reads see what replicas wrote; bad input is refused with a
 * typed error and changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { isTrellisError } from 'trellis';
import { eventually, openReplica } from '../helpers/sync-harness.js';
import { servers } from '../helpers/servers.js';
import type { ServerUnderTest } from '../helpers/servers.js';

async function expectRefused(promise: Promise<unknown>, code: string): Promise<void> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(isTrellisError(err, code as never), `expected ${code}, got ${String(err)}`).toBe(true);
}

/** What the library holds, to compare before and after refused calls. */
async function rows(server: ServerUnderTest, library: string) {
  const [ops, replicas, baselines] = await Promise.all([
    server.query(library, 'SELECT server_seq, replica, seq FROM ops WHERE library = ? ORDER BY server_seq', library),
    server.query(library, 'SELECT replica, max_seq FROM replicas WHERE library = ? ORDER BY replica', library),
    server.query(library, 'SELECT collection, id, state FROM baselines WHERE library = ? ORDER BY collection, id', library),
  ]);
  return { ops, replicas, baselines };
}

describe.each(servers)('server API ($name)', (factory) => {
  it("the backend's writes reach a live replica and a late joiner, and its reads see the replicas' writes", async () => {
    const server = await factory.start();
    const a = await openReplica(server, 'team');
    await a.store.collection('todos').put({ id: 'mine', title: 'From A', createdAt: 1 });
    await a.settle();
    const todos = server.library('team').collection('todos');
    expect(await todos.get('mine')).toMatchObject({ id: 'mine', title: 'From A', createdAt: 1 });

    await todos.put({ id: 'first', title: 'Created by the backend', createdAt: 5, done: false, tags: [] });
    await eventually(a.store.collection('todos').get('first'), (doc) => doc?.title === 'Created by the backend');
    await todos.update('mine', { title: 'Paid' });
    await todos.increment('first', 'createdAt', 10);
    await a.store.collection('todos').increment('first', 'createdAt', 1);
    await eventually(a.store.collection('todos').get('mine'), (doc) => doc?.title === 'Paid');
    await eventually(a.store.collection('todos').get('first'), (doc) => doc?.createdAt === 16);
    await a.settle();
    expect(await todos.get('first')).toMatchObject({ createdAt: 16 });
    expect((await todos.find({ title: 'Paid' })).map((doc) => doc.id)).toEqual(['mine']);
    expect((await todos.find()).map((doc) => doc.id)).toEqual(['first', 'mine']);
    await todos.put({ id: 'gone', title: 'Short-lived', createdAt: 0, done: false, tags: [] });
    await todos.delete('gone');
    await todos.delete('never-was');
    expect(await todos.get('gone')).toBeUndefined();

    // The server replica's seqs are gap-free and its ops are in the log like any replica's.
    const { ops } = await rows(server, 'team');
    const own = (ops as { replica: string; seq: number }[]).filter((op) => op.replica !== a.store.replicaId);
    expect(own.map((op) => op.seq)).toEqual([1, 2, 3, 4, 5]);

    const late = await openReplica(server, 'team');
    await eventually(late.store.collection('todos').find({ orderBy: 'id' }), (docs) => docs.map((d) => d.id).join() === 'first,mine');
    expect(await eventually(late.store.collection('todos').get('first'), (doc) => doc?.createdAt === 16)).toMatchObject({ title: 'Created by the backend' });
    await Promise.all([a.close(), late.close()]);
  });

  it('creates a library with no history; the first replica then joins it as a late joiner', async () => {
    const server = await factory.start();
    await server.library('fresh').collection('todos').put({ id: 'seed', title: 'First document', createdAt: 0, done: false, tags: [] });
    const a = await openReplica(server, 'fresh');
    await eventually(a.store.collection('todos').get('seed'), (doc) => doc?.title === 'First document');
    await a.close();
  });

  it('bad input is refused with typed errors and changes nothing', async () => {
    const server = await factory.start();
    const api = server.library('team');
    const todos = api.collection('todos');
    await todos.put({ id: 'x', title: 'X', createdAt: 1 });
    const before = await rows(server, 'team');
    await expectRefused(todos.get(''), 'INVALID_ARGUMENT');
    await expectRefused(todos.get('a\u0000b'), 'INVALID_ARGUMENT');
    await expectRefused(todos.get('x'.repeat(257)), 'INVALID_ARGUMENT');
    await expectRefused(todos.put({ id: '', title: 'no id' }), 'INVALID_ARGUMENT');
    await expectRefused(todos.put({ title: 'no id' }), 'INVALID_ARGUMENT');
    await expectRefused(todos.put({ id: 'y', title: 'bad value', big: 'z'.repeat(2_000_000) }), 'INVALID_ARGUMENT');
    await expectRefused(todos.put(JSON.parse('{"id":"y","__proto__":{"admin":true}}') as never), 'INVALID_ARGUMENT');
    await expectRefused(todos.update('missing', { title: 'no' }), 'NOT_FOUND');
    await expectRefused(todos.update('x', { id: 'other' }), 'INVALID_ARGUMENT');
    await expectRefused(todos.increment('x', 'title', 1), 'INVALID_ARGUMENT');
    await expectRefused(todos.increment('x', 'createdAt', 1.5), 'INVALID_ARGUMENT');
    await expectRefused(todos.increment('x', 'createdAt', Number.MAX_SAFE_INTEGER), 'INVALID_ARGUMENT');
    await expectRefused(todos.increment('x', [], 1), 'INVALID_ARGUMENT');
    await expectRefused(todos.increment('x', ['__proto__'], 1), 'INVALID_ARGUMENT');
    await expectRefused(todos.increment('missing', 'createdAt', 1), 'NOT_FOUND');
    await expectRefused(api.collection('').get('x'), 'INVALID_ARGUMENT');
    expect(await rows(server, 'team')).toEqual(before);
    // The edge: a total of exactly MAX_SAFE_INTEGER is allowed.
    await todos.increment('x', 'createdAt', Number.MAX_SAFE_INTEGER - 1);
    expect((await todos.get('x'))?.createdAt).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('with a server schema, an unknown collection is UNKNOWN_COLLECTION, a non-number field refuses increment, and invalid documents are never stored', async () => {
    const server = await factory.start({ authority: true });
    const api = server.library('team');
    await api.collection('todos').put({ id: 'x', title: 'X' });
    expect(await api.collection('todos').get('x')).toEqual({ id: 'x', title: 'X', done: false });
    const before = await rows(server, 'team');
    await expectRefused(api.collection('nope').get('x'), 'UNKNOWN_COLLECTION');
    await expectRefused(api.collection('nope').put({ id: 'x' }), 'UNKNOWN_COLLECTION');
    await expectRefused(api.collection('todos').increment('x', 'title', 1), 'SCHEMA_VIOLATION');
    await expectRefused(api.collection('todos').put({ id: 'y', title: 42 }), 'SCHEMA_VIOLATION');
    await expectRefused(api.collection('todos').update('x', { title: 42 }), 'SCHEMA_VIOLATION');
    const after = await rows(server, 'team');
    expect(after.ops).toEqual(before.ops);
    expect(after.baselines).toEqual(before.baselines);
    expect(await api.collection('todos').get('x')).toEqual({ id: 'x', title: 'X', done: false });
  });
});

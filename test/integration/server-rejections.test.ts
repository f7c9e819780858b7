/**
 * The authoritative server (issue 17): a server with the app's schema and
 * write rules rejects bad ops; nobody else ever sees them, and the writer's
 * store rolls them back visibly (live queries, sync.rejections).
 */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { firstValueFrom, type Observable } from 'rxjs';
import { filter, timeout } from 'rxjs/operators';
import WebSocket from 'ws';
import { describe, expect, test, vi } from 'vitest';
import { ErrorCode, createStore } from 'trellis';
import { createSync } from 'trellis/sync';
import type { Rejection, Sync, SyncState } from 'trellis/sync';
import { servers } from '../helpers/servers.js';
import type { ServerUnderTest } from '../helpers/servers.js';
import { OWNER_ONLY, THROWING_TITLE, looseSchema } from '../helpers/authority.js';

let databases = 0;

const until = <T>(source: Observable<T>, predicate: (value: T) => boolean): Promise<T> => firstValueFrom(source.pipe(filter(predicate), timeout(10_000)));

/** A store on the loose schema (it lets a client write what the server refuses), synced as `user`. */
async function replica(server: ServerUnderTest, o: { library: string; user?: string; indexedDB?: IDBFactory; name?: string }) {
  const indexedDB = o.indexedDB ?? new IDBFactory();
  const name = o.name ?? `rejections-${++databases}`;
  const store = await createStore({ name, schema: looseSchema, indexedDB, IDBKeyRange });
  const rejections: Rejection[] = [];
  let sync: Sync | undefined;
  const connect = () => {
    const token = server.token(o.library, { user: o.user ?? 'ada' });
    sync = createSync(store, { url: server.url, library: o.library, getToken: () => token, WebSocket });
    sync.rejections.subscribe((r) => rejections.push(r));
    return sync;
  };
  connect();
  return {
    store,
    indexedDB,
    name,
    rejections,
    get sync() {
      return sync as Sync;
    },
    connect,
    live: (): Promise<SyncState> => until((sync as Sync).state, (s) => s.phase === 'live'),
    close: async () => {
      await sync?.stop();
      await store.close();
    },
  };
}

type Replica = Awaited<ReturnType<typeof replica>>;

const todo = (r: Replica, id: string) => r.store.collection('todos').get(id);
const note = (r: Replica, id: string) => r.store.collection('notes').get(id);

describe.each(servers)('server schema and rules ($name)', (factory) => {
  test('an op the server schema forbids is rejected: the writer rolls it back and hears why, nobody else ever sees it', async () => {
    const server = await factory.start({ authority: true });
    const a = await replica(server, { library: 'team' });
    const b = await replica(server, { library: 'team' });
    await Promise.all([a.live(), b.live()]);
    const todos = a.store.collection('todos');
    await todos.put({ id: 't', title: 'Buy milk' });
    await a.sync.flushed();
    await until(todo(b, 't'), (doc) => doc?.title === 'Buy milk');

    await todos.update('t', { title: 42 });
    // A later local write to the same document stays applied.
    await todos.update('t', { done: true });
    const rejection = await until(a.sync.rejections, () => true);
    expect(rejection).toEqual({ collection: 'todos', id: 't', code: ErrorCode.SCHEMA_VIOLATION, message: expect.stringContaining('title') });
    expect(await until(todo(a, 't'), (doc) => doc?.title === 'Buy milk')).toEqual({ id: 't', title: 'Buy milk', done: true });
    await a.sync.flushed();
    await until(a.sync.state, (s) => s.pending === 0);

    // B sees the accepted write after the rejected one, and never the rejected value.
    expect(await until(todo(b, 't'), (doc) => doc?.done === true)).toEqual({ id: 't', title: 'Buy milk', done: true });
    const stored = await server.query<{ change: string }>('team', 'SELECT change FROM ops WHERE library = ?', 'team');
    expect(stored.some((row) => row.change.includes('42'))).toBe(false);

    // A late joiner's snapshot holds the corrected document only.
    const late = await replica(server, { library: 'team' });
    await late.live();
    expect(await until(todo(late, 't'), (doc) => doc !== undefined)).toEqual({ id: 't', title: 'Buy milk', done: true });
    for (const r of [a, b, late]) await r.close();
  });

  test("a rule that lets only a note's owner change it: another user's edit is rolled back with the rule's message", async () => {
    const server = await factory.start({ authority: true });
    const ada = await replica(server, { library: 'notes', user: 'ada' });
    const bob = await replica(server, { library: 'notes', user: 'bob' });
    await Promise.all([ada.live(), bob.live()]);
    await ada.store.collection('notes').put({ id: 'n', owner: 'ada', text: 'mine' });
    await ada.sync.flushed();
    await until(note(bob, 'n'), (doc) => doc !== undefined);

    await bob.store.collection('notes').update('n', { text: 'hijacked' });
    expect(await until(bob.sync.rejections, () => true)).toEqual({ collection: 'notes', id: 'n', code: ErrorCode.RULE_REJECTED, message: OWNER_ONLY });
    expect(await until(note(bob, 'n'), (doc) => doc?.text === 'mine')).toEqual({ id: 'n', owner: 'ada', text: 'mine' });
    // Bob's own note is his to write; Ada's edits still go through.
    await bob.store.collection('notes').put({ id: 'm', owner: 'bob', text: 'bob' });
    await ada.store.collection('notes').update('n', { text: 'still mine' });
    await Promise.all([ada.sync.flushed(), bob.sync.flushed()]);
    expect(await until(note(bob, 'n'), (doc) => doc?.text === 'still mine')).toBeDefined();
    expect(await until(note(ada, 'm'), (doc) => doc !== undefined)).toEqual({ id: 'm', owner: 'bob', text: 'bob' });
    expect(bob.rejections).toHaveLength(1);
    expect(ada.rejections).toHaveLength(0);
    await ada.close();
    await bob.close();
  });

  test('a rule that throws rejects the op with a generic message and the server goes on', async () => {
    const server = await factory.start({ authority: true });
    const a = await replica(server, { library: 'team' });
    await a.live();
    await a.store.collection('todos').put({ id: 't', title: THROWING_TITLE });
    const rejection = await until(a.sync.rejections, () => true);
    expect(rejection.code).toBe(ErrorCode.RULE_REJECTED);
    expect(rejection.message).not.toContain('a bug in the rule');
    expect(await until(todo(a, 't'), (doc) => doc === undefined)).toBeUndefined();
    await a.store.collection('todos').put({ id: 'u', title: 'fine' });
    await a.sync.flushed();
    expect(await server.query('team', "SELECT id FROM ops WHERE library = 'team'")).toEqual([{ id: 'u' }]);
    expect((await server.logs()).some((entry) => entry.event === 'rule.threw')).toBe(true);
    await a.close();
  });

  test("an update pushed behind its document's rejected put is rejected by the schema too: rolled back and reported, nothing stored", async () => {
    const server = await factory.start({ authority: true });
    const a = await replica(server, { library: 'team' });
    await a.live();
    const todos = a.store.collection('todos');
    // Synced once (a cursor), so the next ops are pushed and judged, not seeded.
    await todos.put({ id: 'first', title: 'fine' });
    await a.sync.flushed();
    await a.sync.stop();
    // Offline: both ops go out in one push, before the put's reject can roll the document back here.
    await todos.put({ id: 'x', title: THROWING_TITLE });
    await todos.update('x', { done: true });
    a.connect();
    await a.sync.flushed();
    // The app hears of the last reject once its roll-back is shown, which may follow flushed().
    await vi.waitFor(() => expect(a.rejections).toHaveLength(2));
    // Alone on a document the server never held, the update is a todo without a title: the schema refuses it.
    expect(a.rejections.map((r) => [r.id, r.code])).toEqual([
      ['x', ErrorCode.RULE_REJECTED],
      ['x', ErrorCode.SCHEMA_VIOLATION],
    ]);
    expect(await until(todo(a, 'x'), (doc) => doc === undefined)).toBeUndefined();
    expect(await server.query('team', "SELECT id FROM ops WHERE library = 'team'")).toEqual([{ id: 'first' }]);
    await a.close();
  });

  test('an offline replica whose queued ops are partly rejected on reconnect converges with the others', async () => {
    const server = await factory.start({ authority: true });
    const ada = await replica(server, { library: 'team', user: 'ada' });
    const bob = await replica(server, { library: 'team', user: 'bob' });
    await Promise.all([ada.live(), bob.live()]);
    await ada.store.collection('notes').put({ id: 'n', owner: 'ada', text: 'ada' });
    await ada.store.collection('todos').put({ id: 't', title: 'shared' });
    await ada.sync.flushed();
    await until(note(bob, 'n'), (doc) => doc !== undefined);
    await until(todo(bob, 't'), (doc) => doc !== undefined);

    await bob.sync.stop();
    const todos = bob.store.collection('todos');
    await todos.update('t', { title: 'renamed' }); // accepted
    await todos.update('t', { title: { not: 'a string' } }); // rejected: schema
    await bob.store.collection('notes').update('n', { text: 'bob was here' }); // rejected: rule
    await todos.update('t', { done: true }); // accepted, after a rejected op on the same document
    await todos.put({ id: 'b', title: 'bob' }); // accepted
    bob.connect();
    await bob.sync.flushed();
    expect(bob.rejections.map((r) => [r.collection, r.code])).toEqual([
      ['todos', ErrorCode.SCHEMA_VIOLATION],
      ['notes', ErrorCode.RULE_REJECTED],
    ]);
    const expected = { t: { id: 't', title: 'renamed', done: true }, n: { id: 'n', owner: 'ada', text: 'ada' }, b: { id: 'b', title: 'bob', done: false } };
    for (const r of [ada, bob]) {
      expect(await until(todo(r, 't'), (doc) => doc?.done === true)).toEqual(expected.t);
      expect(await until(todo(r, 'b'), (doc) => doc !== undefined)).toEqual(expected.b);
      expect(await firstValueFrom(note(r, 'n'))).toEqual(expected.n);
    }
    await ada.close();
    await bob.close();
  });
});

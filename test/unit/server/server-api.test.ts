/**
 * The server API on the core (in-memory SQLite): what the integration suite
 * cannot see from outside. The server replica never holds the horizon back,
 * keeps one id and gap-free seqs across a restart, stamps its writes after
 * every write it read, and `find` takes a predicate on the server's thread.
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createSyncServer, SERVER_USER } from 'trellis/server';
import { createSqliteStorage } from 'trellis/server/node';
import { createFakeServer, fakeVerify } from '../../helpers/fake-sync-server.js';
import { wireOp } from '../../helpers/wire-ops.js';

/** A library that replica A seeded (empty) and is live on. */
function liveLibrary() {
  const fake = createFakeServer();
  const a = fake.connect('lib');
  expect(a.hello({ replicaId: 'A' }).decision).toBe('accept');
  a.send({ type: 'seed', baselines: [], ops: [], done: true });
  a.take('synced');
  return { fake, a, todos: fake.server.library('lib').collection('todos') };
}

describe('server API on the core', () => {
  it("the server replica's writes fan out and never hold the horizon back", () => {
    const { fake, a, todos } = liveLibrary();
    todos.put({ id: 't1', title: 'One', count: 0 });
    todos.increment('t1', 'count', 5);
    todos.update('t1', { title: 'Uno' });
    const received = a.takeAll('ops').flatMap((frame) => frame.ops);
    expect(received.map((entry) => [entry.serverSeq, entry.op.seq, entry.op.change.kind])).toEqual([
      [1, 1, 'put'],
      [2, 2, 'inc'],
      [3, 3, 'set'],
    ]);
    // Later writes of other replicas: the server replica, which wrote nothing since, must not hold them back.
    a.send({ type: 'push', ops: [wireOp({ replicaId: 'A', seq: 1, id: 'x' }), wireOp({ replicaId: 'A', seq: 2, id: 'y' })] });
    a.take('ack');
    a.send({ type: 'cursor', serverSeq: 5 });
    const [result] = fake.server.compact('lib');
    expect(result).toMatchObject({ horizon: 5, squashed: 5 });
    expect(todos.get('t1')).toEqual({ id: 't1', title: 'Uno', count: 5 });
    const [row] = fake.sql.exec<{ user: string; status: string }>("SELECT user, status FROM replicas WHERE library = 'lib' AND replica != 'A'");
    expect(row).toEqual({ user: SERVER_USER, status: 'active' });
  });

  it('keeps its replica id and continues its seqs on a server recreated over the same database', () => {
    const sql = createSqliteStorage(new Database(':memory:'));
    const open = () => createSyncServer({ sql, now: () => 1_700_000_000_000, verifyToken: fakeVerify });
    open().library('lib').collection('todos').put({ id: 'a', n: 1 });
    open().library('lib').collection('todos').increment('a', 'n', 1);
    open().library('other').collection('todos').put({ id: 'b' });
    const ops = sql.exec<{ library: string; replica: string; seq: number }>('SELECT library, replica, seq FROM ops ORDER BY library, seq');
    expect(new Set(ops.map((op) => op.replica)).size).toBe(1);
    expect(ops.map((op) => [op.library, op.seq])).toEqual([
      ['lib', 1],
      ['lib', 2],
      ['other', 1],
    ]);
  });

  it('stamps a write after the newest write of the document it read, even one from a clock far ahead', () => {
    const { a, todos } = liveLibrary();
    const ahead = wireOp({ replicaId: 'A', seq: 1, id: 'doc', ms: 10 * 365 * 86_400_000, change: { kind: 'put', value: { id: 'doc', title: 'from the future' } } });
    a.send({ type: 'push', ops: [ahead] });
    a.take('ack');
    todos.update('doc', { title: 'server wins' });
    expect(todos.get('doc')).toEqual({ id: 'doc', title: 'server wins' });
  });

  it('find filters by equal top-level values or a predicate, in id order, without deleted documents', () => {
    const { todos } = liveLibrary();
    todos.put({ id: 'b', done: true, tags: ['x'] });
    todos.put({ id: 'a', done: true, tags: ['y'] });
    todos.put({ id: 'c', done: false, tags: ['x'] });
    todos.put({ id: 'd', done: true, tags: ['x'] });
    todos.delete('d');
    expect(todos.find({ done: true }).map((doc) => doc.id)).toEqual(['a', 'b']);
    expect(todos.find({ tags: ['x'] }).map((doc) => doc.id)).toEqual(['b', 'c']);
    expect(todos.find((doc) => doc.id !== 'a').map((doc) => doc.id)).toEqual(['b', 'c']);
    expect(todos.find({ missing: null }).map((doc) => doc.id)).toEqual([]);
    expect(() => todos.find('done' as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('refuses a library name that is not a name', () => {
    const { fake } = liveLibrary();
    expect(() => fake.server.library('')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => fake.server.library('a\u0000')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

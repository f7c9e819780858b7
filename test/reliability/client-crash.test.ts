/**
 * Crash safety of a replica, by crash-point enumeration (as SQLite tests its
 * journal): an operation is run once to count its IndexedDB write requests,
 * then once per request with a crash injected there. The crash aborts that
 * IndexedDB transaction (uncommitted work is lost, as when a tab dies), the
 * store is dropped, and a new store opens the same database. It must hold the
 * state from before or the state from after, never a mix, and writes queued
 * before the crash must still be queued.
 */
import { IDBCursor, IDBObjectStore } from 'fake-indexeddb';
import { firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, test } from 'vitest';
import { getStoreHost } from '../../src/store/index.js';
import { wireOps } from '../helpers/wire-ops.js';
import { testDatabase } from '../helpers/open-test-store.js';
import { rawOps } from '../helpers/raw-tables.js';
import type { TestDatabase, TodoStore } from '../helpers/open-test-store.js';
import { createRig } from './helpers.js';

/** Counts IndexedDB write requests; the `crashAt`-th and every later one aborts its transaction. */
const injector = { writes: 0, crashAt: Infinity };
type Patched = { prototype: Record<string, (...args: unknown[]) => unknown> };
const originals: [Patched, string, (...args: unknown[]) => unknown][] = [];
for (const [cls, methods] of [[IDBObjectStore, ['put', 'add', 'delete', 'clear']], [IDBCursor, ['update', 'delete']]] as const) {
  for (const method of methods) {
    const proto = (cls as unknown as Patched).prototype;
    const original = proto[method] as (...args: unknown[]) => unknown;
    originals.push([cls as unknown as Patched, method, original]);
    proto[method] = function (this: { transaction: { abort(): void } }, ...args: unknown[]) {
      if (++injector.writes >= injector.crashAt) {
        this.transaction.abort();
        throw new DOMException('simulated crash', 'AbortError');
      }
      return original.apply(this, args);
    };
  }
}
afterEach(() => {
  injector.writes = 0;
  injector.crashAt = Infinity;
});

/** What a replica durably holds, as a comparable value (its own random replica id shown as 'original'). */
async function snapshotOf(store: TodoStore, db: TestDatabase) {
  const host = getStoreHost(store);
  const id = (replicaId: string) => (replicaId === 'fresh-id' ? replicaId : 'original');
  return {
    replicaId: id(await host.replicaId()),
    localSeq: await host.localSeq(),
    docs: await firstValueFrom(store.collection('todos').find({ orderBy: 'id' })),
    queued: (await host.readUnacknowledged(1000)).map((op) => [op.seq, op.id, op.change.kind]),
    log: (await rawOps(db)).map((op) => [op.replicaId === 'fresh-id' || op.replicaId === 'S' ? op.replicaId : 'original', op.seq, op.serverSeq ?? null]),
    archives: (await firstValueFrom(store.archives)).map((a) => [a.reason, id(a.replicaId), a.ops.map((op) => op.seq)]),
    cursor: (await host.readMeta('sync:lib')) ?? null,
  };
}

interface Scenario {
  /** Writes the state the operation starts from (with some writes still queued for the server). */
  setup(store: TodoStore): Promise<void>;
  operation(store: TodoStore): Promise<unknown>;
}

/** Runs `scenario` with a crash at every write request of its operation; returns how many crash points were tried. */
async function everyCrashPoint(scenario: Scenario): Promise<number> {
  const fresh = async (): Promise<{ db: TestDatabase; store: TodoStore }> => {
    const db = testDatabase();
    const store = await db.open();
    await scenario.setup(store);
    return { db, store };
  };
  const reference = await fresh();
  const before = await snapshotOf(reference.store, reference.db);
  injector.writes = 0;
  await scenario.operation(reference.store);
  const writes = injector.writes;
  const after = await snapshotOf(reference.store, reference.db);
  await reference.store.close();
  expect(after).not.toEqual(before);
  for (let crashAt = 1; crashAt <= writes; crashAt++) {
    const { db, store } = await fresh();
    injector.writes = 0;
    injector.crashAt = crashAt;
    await scenario.operation(store).catch(() => undefined);
    // The process dies: nothing of this store instance runs again.
    await store.close();
    injector.crashAt = Infinity;
    const reopened = await db.open();
    const held = await snapshotOf(reopened, db);
    expect([before, after], `crash at write ${crashAt} of ${writes}`).toContainEqual(held);
    // And the replica still works: its seq counter agrees with its log.
    await reopened.collection('todos').put({ id: 'later', title: 'Later', createdAt: 9 });
    expect((await getStoreHost(reopened).readUnacknowledged(1000)).at(-1)).toMatchObject({ id: 'later', seq: held.localSeq + 1 });
    await reopened.close();
  }
  return writes;
}

const queuedWrites = async (store: TodoStore) => {
  const todos = store.collection('todos');
  await todos.put({ id: 'a', title: 'A', createdAt: 1, tags: ['x', 'y'] });
  await todos.put({ id: 'b', title: 'B', createdAt: 2 });
  await todos.update('a', { done: true });
};

describe('a replica that dies mid-operation holds the state before or after, never a mix', () => {
  test('in the middle of a transaction', async () => {
    const points = await everyCrashPoint({
      setup: queuedWrites,
      operation: (store) =>
        store.transaction(async () => {
          const todos = store.collection('todos');
          await todos.put({ id: 'c', title: 'C', createdAt: 3, tags: ['z'] });
          await todos.update('a', { title: 'A2', meta: { color: 'red' } });
          await todos.listPush('a', 'tags', 'w');
          await todos.listMove('a', 'tags', 0, 2);
          await todos.delete('b');
        }),
    });
    // One row for the transaction's run of ops (store/op-log.ts), one for each of the three documents.
    expect(points).toBeGreaterThanOrEqual(4);
  });

  test('in the middle of a reset to a snapshot (the archive, the data and the new identity go together)', async () => {
    const remote = wireOps('S', 1, 3).map((op, i) => ({ serverSeq: i + 1, op: { ...op, collection: 'todos', change: { kind: 'put' as const, value: { id: op.id, title: `server ${i}`, createdAt: i } } } }));
    const points = await everyCrashPoint({
      setup: queuedWrites,
      operation: (store) =>
        getStoreHost(store).resetToSnapshot(
          { baselines: [], ops: remote },
          { replicaId: 'fresh-id', reason: 'late-joiner', horizon: 0, meta: { 'sync:lib': { epoch: 'e1', serverSeq: 3 } } },
        ),
    });
    expect(points).toBeGreaterThan(5);
  });

  test('in the middle of applying remote ops with their cursor', async () => {
    const remote = wireOps('S', 1, 4).map((op, i) => ({ serverSeq: i + 1, op: { ...op, id: i % 2 === 0 ? 'a' : 'r', change: { kind: 'set' as const, path: ['title'], value: `remote ${i}` } } }));
    await everyCrashPoint({
      setup: queuedWrites,
      operation: (store) => getStoreHost(store).applyRemote(remote, { 'sync:lib': { epoch: 'e1', serverSeq: 4 } }),
    });
  });

  test('in the middle of compaction', async () => {
    await everyCrashPoint({
      setup: async (store) => {
        await queuedWrites(store);
        await getStoreHost(store).acknowledge({ fromSeq: 1, toSeq: 2, firstServerSeq: 1 }, { 'sync:lib': { epoch: 'e1', serverSeq: 2 } });
      },
      operation: (store) => store.compact({ horizon: 2 }),
    });
  });
});

describe('a replica closed while a reset streams in', () => {
  test('keeps its old state and queued writes; after reopening it joins and archives them', async () => {
    // Small chunks, so the snapshot arrives in many frames.
    const rig = createRig({ limits: { chunkBytes: 300 } });
    const a = await rig.replica('a');
    for (let i = 0; i < 12; i++) await a.store.collection('todos').put({ id: `s${i}`, title: `shared ${i}`, createdAt: i });
    await rig.settle();
    const b = await rig.replica('b', { autoJoin: 'never' });
    await b.store.collection('todos').put({ id: 'mine', title: 'Mine', createdAt: 1 });
    await rig.settle();
    expect(b.state().phase).toBe('join-required');
    void b.sync.join().catch(() => undefined);
    // Deliver until a few snapshot chunks have arrived, but not the last.
    for (let i = 0, chunks = 0; i < 2000 && chunks < 3; i++) {
      const head = rig.network.queued('b', 'to-client')[0];
      if (typeof head === 'string' && JSON.parse(head).type === 'snapshot') chunks++;
      if (!rig.network.deliverNext('b', 'to-client') && !rig.network.deliverNext('b', 'to-server')) rig.network.deliverOne();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await b.close();
    const reopened = await rig.replica('b', { db: b.db, autoJoin: 'never' });
    expect(await snapshotOf(reopened.store, reopened.db)).toMatchObject({ docs: [{ id: 'mine' }], queued: [[1, 'mine', 'put']], archives: [] });
    await rig.settle();
    expect(reopened.state().phase).toBe('join-required');
    await Promise.all([reopened.sync.join(), rig.settle()]);
    const held = await snapshotOf(reopened.store, reopened.db);
    expect(held.docs.map((d) => d.id)).toEqual(Array.from({ length: 12 }, (_, i) => `s${i}`).sort());
    expect(held.archives).toMatchObject([['late-joiner', expect.any(String), [1]]]);
  });
});

test.afterAll?.(() => {
  for (const [cls, method, original] of originals) cls.prototype[method] = original;
});

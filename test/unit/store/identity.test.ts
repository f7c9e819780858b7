import { firstValueFrom } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { getStoreHost } from '../../../src/store/index.js';
import { undo } from 'trellis/undo';
import { testDatabase } from '../../helpers/open-test-store.js';
import { rawOps, rawRows } from '../../helpers/raw-tables.js';

describe('replica identity and persistence', () => {
  it('keeps data and the replica ID across reopen', async () => {
    const db = testDatabase();
    const first = await db.open();
    await first.collection('todos').put({ id: 'a', title: 'Milk', createdAt: 1 });
    const replicaId = first.replicaId;
    await first.close();

    const second = await db.open();
    expect(second.replicaId).toBe(replicaId);
    expect(await firstValueFrom(second.collection('todos').get('a'))).toMatchObject({ title: 'Milk', done: false, tags: [] });
    await second.close();
  });

  it('gets a new replica ID after the database is deleted', async () => {
    const db = testDatabase();
    const first = await db.open();
    const replicaId = first.replicaId;
    await first.collection('todos').put({ id: 'a', title: 'Milk', createdAt: 1 });
    await first.close();
    await new Promise<void>((resolve, reject) => {
      const request = db.indexedDB.deleteDatabase(db.name);
      request.onsuccess = () => resolve();
      request.onerror = () => reject(request.error);
    });

    const second = await db.open();
    expect(second.replicaId).not.toBe(replicaId);
    expect(await firstValueFrom(second.collection('todos').get('a'))).toBeUndefined();
    await second.close();
  });

  it('tags every stored op and baseline (head) with the replica ID, with gap-free seqs', async () => {
    const db = testDatabase();
    const store = await db.open();
    const todos = store.collection('todos');
    await todos.put({ id: 'a', title: 'Milk', createdAt: 1 });
    await todos.update('a', { title: 'Oat milk', meta: { color: 'blue' } });
    await todos.listPush('a', 'tags', 'shop');
    await todos.put({ id: 'b', title: 'Bread', createdAt: 2 });
    await todos.delete('b');
    const ops = await rawOps(db);
    expect(ops.map((op) => op.seq)).toEqual(ops.map((_, i) => i + 1));
    expect(new Set(ops.map((op) => op.replicaId))).toEqual(new Set([store.replicaId]));
    expect(ops.every((op) => /^[0-9a-z]{13}$/.test(op.ts))).toBe(true);

    await store.compact();
    expect(await rawOps(db)).toHaveLength(0);
    // Each document keeps its head in its row (replica ids listed once); a deleted one's row has no document.
    const rows = await rawRows(db, 'c_todos');
    expect(rows.map((row) => [row.k, row.d === undefined])).toEqual([
      ['a', false],
      ['b', true],
    ]);
    for (const row of rows) {
      const head = JSON.parse(row.h);
      expect(head.r).toEqual([store.replicaId]);
      expect(head.e.every(([ts]: [string]) => /^[0-9a-z]{13}$/.test(ts))).toBe(true);
    }
    expect(await rawRows(db, 'heads')).toEqual([]);
    await store.close();
  });

  it('follows a reset made by another store instance on the same database (another tab): new replica ID, no stale undo', async () => {
    const db = testDatabase();
    const a = await db.open();
    const b = await db.open({ plugins: [undo()] });
    await b.collection('todos').put({ id: 'x', title: 'Before', createdAt: 1 });
    expect(b.replicaId).toBe(a.replicaId);
    await getStoreHost(a).resetToSnapshot({ baselines: [], ops: [] }, { replicaId: 'replica-after-reset', reason: 'late-joiner' });
    await vi.waitFor(() => expect(b.replicaId).toBe('replica-after-reset'));
    expect(await b.undo()).toBe(false);
    await a.close();
    await b.close();
  });
});

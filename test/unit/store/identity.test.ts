import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { testDatabase } from '../../helpers/open-test-store.js';
import { rawRows } from '../../helpers/raw-tables.js';

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
    const ops = await rawRows(db, 'ops');
    expect(ops.map((op) => op.seq)).toEqual(ops.map((_, i) => i + 1));
    expect(new Set(ops.map((op) => op.replicaId))).toEqual(new Set([store.replicaId]));
    expect(ops.every((op) => /^[0-9a-z]{13}$/.test(op.ts))).toBe(true);

    await store.compact();
    expect(await rawRows(db, 'ops')).toHaveLength(0);
    const baselines = await rawRows(db, 'heads');
    expect(baselines.map((b) => b.id).sort()).toEqual(['a', 'b']);
    for (const baseline of baselines) {
      expect(baseline.replicaId).toBe(store.replicaId);
      expect(baseline.ts).toMatch(/^[0-9a-z]{13}$/);
    }
    await store.close();
  });
});

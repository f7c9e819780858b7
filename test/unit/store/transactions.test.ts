import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { testDatabase } from '../../helpers/open-test-store.js';
import { rawOps } from '../../helpers/raw-tables.js';

describe('transactions', () => {
  it('commits several writes atomically', async () => {
    const db = testDatabase();
    const store = await db.open();
    const todos = store.collection('todos');
    const notes = store.collection('notes');
    const result = await store.transaction(async () => {
      await todos.put({ id: 'a', title: 'A', createdAt: 1 });
      await notes.put({ id: 'n', text: 'note' });
      await todos.update('a', { done: true });
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(await firstValueFrom(todos.get('a'))).toMatchObject({ done: true });
    expect(await firstValueFrom(notes.get('n'))).toEqual({ id: 'n', text: 'note' });
    expect((await rawOps(db)).map((op) => op.seq)).toEqual([1, 2, 3]);
  });

  it('leaves nothing behind when the transaction throws', async () => {
    const db = testDatabase();
    const store = await db.open();
    const todos = store.collection('todos');
    await todos.put({ id: 'keep', title: 'Keep', createdAt: 1 });
    await expect(
      store.transaction(async () => {
        await todos.put({ id: 'a', title: 'A', createdAt: 1 });
        await todos.update('keep', { title: 'changed' });
        throw new Error('app failure');
      }),
    ).rejects.toThrow('app failure');
    expect(await firstValueFrom(todos.find())).toEqual([{ id: 'keep', title: 'Keep', createdAt: 1, done: false, tags: [] }]);
    expect(await rawOps(db)).toHaveLength(1);
    // The seq counter did not move either: the next op is gap-free.
    await todos.put({ id: 'b', title: 'B', createdAt: 2 });
    expect((await rawOps(db)).map((op) => op.seq)).toEqual([1, 2]);
  });

  it('keeps writes that run concurrently inside one transaction consistent', async () => {
    const db = testDatabase();
    const store = await db.open();
    const todos = store.collection('todos');
    await store.transaction(async () => {
      await todos.put({ id: 'a', title: 'A', createdAt: 1 });
      await Promise.all(['p', 'q', 'r'].map((tag) => todos.listPush('a', 'tags', tag)));
    });
    expect((await firstValueFrom(todos.get('a')))?.tags).toEqual(['p', 'q', 'r']);
  });

  it('never allocates the same seq in two store instances (two tabs) writing at once', async () => {
    const db = testDatabase();
    const tabA = await db.open();
    const tabB = await db.open();
    expect(tabB.replicaId).toBe(tabA.replicaId);
    const writes = [];
    for (let i = 0; i < 20; i++) {
      writes.push(tabA.collection('todos').put({ id: `a${i}`, title: 'A', createdAt: i }));
      writes.push(tabB.collection('todos').put({ id: `b${i}`, title: 'B', createdAt: i }));
    }
    await Promise.all(writes);
    const seqs = (await rawOps(db)).map((op) => op.seq).sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(await firstValueFrom(tabA.collection('todos').find())).toHaveLength(40);
  });
});

import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { getStoreHost } from '../../../src/store/index.js';
import { decodeHead } from '../../../src/store/heads.js';
import { testDatabase } from '../../helpers/open-test-store.js';
import { rawTables } from '../../helpers/raw-tables.js';

const byKey = (a: { collection: string; id: string }, b: { collection: string; id: string }) =>
  `${a.collection}/${a.id}` < `${b.collection}/${b.id}` ? -1 : 1;

describe('a database written before heads moved into document rows', () => {
  it('is moved to the new layout on open, with every head, tombstone and document intact', async () => {
    const db = testDatabase();
    const store = await db.open();
    const todos = store.collection('todos');
    await todos.put({ id: 'a', title: 'Milk', createdAt: 1 });
    await todos.update('a', { title: 'Oat milk' });
    await todos.put({ id: 'b', title: 'Bread', createdAt: 2 });
    await todos.delete('b');
    await store.collection('notes').put({ id: 'n', text: 'hello' });
    const before = await getStoreHost(store).exportHistory();
    await store.close();

    // Rewrite it as the first layout stored it: every head in `heads`, rows without `h`, no row for a deleted document.
    const raw = await rawTables(db);
    await raw.transaction('rw', raw.tables, async () => {
      for (const collection of ['todos', 'notes']) {
        const table = raw.table(`c_${collection}`);
        for (const row of await table.toArray()) {
          const state = decodeHead(JSON.parse(row.h), row.d ?? {});
          const last = state.entries.at(-1)!.stamp;
          await raw.table('heads').put({ collection, id: row.k, state, ts: last.slice(0, 13), replicaId: last.slice(13) });
          if (row.d === undefined) await table.delete(row.k);
          else {
            const { h: _h, ...old } = row;
            await table.put(old);
          }
        }
      }
      await raw.table('meta').delete('layout');
    });
    expect(await raw.table('heads').count()).toBe(3);
    raw.close();

    const reopened = await db.open();
    const after = await getStoreHost(reopened).exportHistory();
    expect([...after.baselines].sort(byKey)).toEqual([...before.baselines].sort(byKey));
    expect(await firstValueFrom(reopened.collection('todos').find())).toEqual([{ id: 'a', title: 'Oat milk', createdAt: 1, done: false, tags: [] }]);
    const check = await rawTables(db);
    expect(await check.table('heads').count()).toBe(0);
    expect((await check.table('c_todos').toArray()).every((row) => row.h !== undefined)).toBe(true);
    check.close();
    // The tombstone still holds: an update of the deleted document is refused, a new put recreates it.
    await expect(reopened.collection('todos').update('b', { title: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await reopened.collection('todos').put({ id: 'b', title: 'Rye', createdAt: 3 });
    expect(await firstValueFrom(reopened.collection('todos').get('b'))).toMatchObject({ title: 'Rye' });
    await reopened.close();
  });
});

/**
 * A local update of a document a live query shows reaches that query inside
 * the update() call, before it returns its promise (so a React checkbox bound
 * to a live query renders the write in the same frame). Bad input, and a write
 * that fails, leave the query showing what IndexedDB holds.
 */
import { describe, expect, it } from 'vitest';
import { defineSchema } from 'trellis';
import { testDatabase } from '../../helpers/open-test-store.js';
import { record } from '../../helpers/observe.js';

async function seeded() {
  const store = await testDatabase().open();
  const todos = store.collection('todos');
  await todos.bulkPut([
    { id: 'a', title: 'Apples', createdAt: 1 },
    { id: 'b', title: 'Bread', createdAt: 2 },
  ]);
  return { store, todos };
}

describe('update emits its optimistic result synchronously', () => {
  it('a live find shows the update before update() returns', async () => {
    const { todos } = await seeded();
    const list = record(todos.find({ orderBy: 'createdAt' }));
    await list.until((v) => v.length > 0);
    const done = todos.update('a', { done: true });
    expect(list.values.at(-1)?.find((d) => d.id === 'a')?.done).toBe(true);
    await done;
    await list.until((v) => v.at(-1)?.find((d) => d.id === 'a')?.done === true);
    list.stop();
  });

  it('a live get shows a nested update before update() returns', async () => {
    const { todos } = await seeded();
    await todos.update('a', { meta: { color: 'red' } });
    const doc = record(todos.get('a'));
    await doc.until((v) => v.length > 0);
    const done = todos.update('a', { meta: { color: 'blue' }, title: 'Pears' });
    expect(doc.values.at(-1)).toMatchObject({ title: 'Pears', meta: { color: 'blue' } });
    await done;
    doc.stop();
  });

  it('an update that fails validation is never shown', async () => {
    const { todos } = await seeded();
    const doc = record(todos.get('a'));
    await doc.until((v) => v.length > 0);
    const before = doc.values.length;
    await expect(todos.update('a', { done: 'yes' } as never)).rejects.toMatchObject({ code: 'SCHEMA_VIOLATION' });
    expect(doc.values.slice(before)).toEqual([]);
    doc.stop();
  });

  it('a shown update whose write fails is withdrawn: the query goes back to what is stored', async () => {
    const { store, todos } = await seeded();
    const doc = record(todos.get('a'));
    await doc.until((v) => v.length > 0);
    await store.close();
    await expect(todos.update('a', { done: true })).rejects.toBeDefined();
    expect(doc.values.some((d) => d?.done === true), 'the update was shown').toBe(true);
    expect(doc.values.at(-1)?.done).toBe(false);
    doc.stop();
  });
});

describe('an update is shown only as the write would store it', () => {
  it('a patch through a `__proto__` key is refused, never shown, and changes no prototype', async () => {
    const schema = defineSchema({
      version: 1,
      collections: {
        items: {
          primaryKey: 'id',
          fields: {
            id: { type: 'string' },
            labels: { type: 'map', values: { type: 'object', fields: { color: { type: 'string', optional: true } } }, default: {} },
          },
        },
      },
    });
    const store = await testDatabase().open({ schema });
    const items = store.collection('items');
    await items.put({ id: 'i', labels: { a: { color: 'red' } } });
    const doc = record(items.get('i'));
    await doc.until((v) => v.length > 0);
    const before = doc.values.length;
    for (const patch of ['{"labels":{"__proto__":{"color":"polluted"}}}', '{"labels":{"a":{"__proto__":{"color":"polluted"}}}}']) {
      await expect(items.update('i', JSON.parse(patch) as never)).rejects.toMatchObject({ name: 'TrellisError' });
    }
    expect(({} as { color?: unknown }).color).toBeUndefined();
    expect(doc.values.slice(before).filter((d) => JSON.stringify(d) !== JSON.stringify(doc.values[before - 1]))).toEqual([]);
    doc.stop();
    await store.close();
  });
});

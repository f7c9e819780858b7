import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { testDatabase } from '../../helpers/open-test-store.js';
import { rawOps } from '../../helpers/raw-tables.js';
import { expectCode } from '../../helpers/expect-code.js';

async function setup() {
  const db = testDatabase();
  const store = await db.open();
  const todos = store.collection('todos');
  await todos.put({ id: 'a', title: 'Milk', createdAt: 1, tags: ['x', 'y', 'z'] });
  const read = () => firstValueFrom(todos.get('a'));
  return { db, store, todos, read };
}

describe('writes', () => {
  it('fills defaults and merges nested partial updates', async () => {
    const { todos, read } = await setup();
    await todos.update('a', { meta: { color: 'red' } });
    await todos.update('a', { done: true });
    expect(await read()).toEqual({ id: 'a', title: 'Milk', createdAt: 1, done: true, tags: ['x', 'y', 'z'], meta: { color: 'red' } });
    await todos.update('a', { meta: undefined });
    expect(await read()).not.toHaveProperty('meta');
  });

  it('inserts, removes and moves list items', async () => {
    const { todos, read } = await setup();
    await todos.listInsert('a', 'tags', 1, 'new');
    expect((await read())?.tags).toEqual(['x', 'new', 'y', 'z']);
    await todos.listMove('a', 'tags', 0, 3);
    expect((await read())?.tags).toEqual(['new', 'y', 'z', 'x']);
    await todos.listRemove('a', 'tags', 1);
    expect((await read())?.tags).toEqual(['new', 'z', 'x']);
    await todos.listPush('a', 'tags', 'end');
    expect((await read())?.tags).toEqual(['new', 'z', 'x', 'end']);
  });

  it('deletes with a tombstone and recreates on a later put', async () => {
    const { todos, read } = await setup();
    await todos.delete('a');
    expect(await read()).toBeUndefined();
    await todos.delete('a');
    await todos.put({ id: 'a', title: 'Again', createdAt: 5 });
    expect(await read()).toEqual({ id: 'a', title: 'Again', createdAt: 5, done: false, tags: [] });
  });

  it('rejects schema violations with SCHEMA_VIOLATION and writes nothing', async () => {
    const { db, todos, read } = await setup();
    const before = await read();
    const opsBefore = (await rawOps(db)).length;
    const bad: (() => Promise<unknown>)[] = [
      () => todos.put({ id: 'b', title: 42, createdAt: 1 } as never),
      () => todos.put({ id: 'b', createdAt: 1 } as never),
      () => todos.put({ id: 'b', title: 't', createdAt: 1, extra: true } as never),
      () => todos.put({ id: 'b', title: 't', createdAt: Number.NaN }),
      () => todos.put({ id: '', title: 't', createdAt: 1 }),
      () => todos.put(null as never),
      () => todos.update('a', { done: 'yes' } as never),
      () => todos.update('a', { meta: { color: 1 } } as never),
      () => todos.update('a', { nope: 1 } as never),
      () => todos.update('a', { id: 'other' }),
      () => todos.listPush('a', 'tags', 7 as never),
      () => todos.listPush('a', 'title' as never, 'x' as never),
      () => todos.bulkPut([{ id: 'c', title: 'ok', createdAt: 1 }, { id: 'd', title: 1, createdAt: 1 } as never]),
    ];
    for (const attempt of bad) await expectCode(attempt(), 'SCHEMA_VIOLATION');
    expect(await read()).toEqual(before);
    expect(await rawOps(db)).toHaveLength(opsBefore);
    expect(await firstValueFrom(todos.find())).toHaveLength(1);
  });

  it('names what to do in typed errors for other bad calls', async () => {
    const { store, todos } = await setup();
    const unknown = await expectCode(Promise.resolve().then(() => store.collection('nope' as never)), 'UNKNOWN_COLLECTION');
    expect(unknown.message).toContain('todos');
    await expectCode(todos.update('missing', { done: true }), 'NOT_FOUND');
    await expectCode(todos.listRemove('a', 'tags', 9), 'INVALID_ARGUMENT');
    await expectCode(todos.listInsert('missing', 'tags', 0, 'x'), 'NOT_FOUND');
    await store.close();
    await expectCode(todos.put({ id: 'z', title: 'z', createdAt: 1 }), 'STORE_CLOSED');
  });

  it('keeps stored documents independent of the objects passed in and of the documents handed out', async () => {
    const { todos } = await setup();
    const doc = { id: 'm', title: 'Mutable', createdAt: 1, tags: ['a'] };
    await todos.put(doc);
    // The store fills defaults in its own copy: the caller's object is left as it was.
    expect(doc).toEqual({ id: 'm', title: 'Mutable', createdAt: 1, tags: ['a'] });
    doc.tags.push('b');
    doc.title = 'changed';
    const read = await firstValueFrom(todos.get('m'));
    expect(read).toMatchObject({ title: 'Mutable', tags: ['a'] });
    // A document handed out is the reader's: changing it changes nothing stored or shown to later reads.
    read!.tags.push('c');
    read!.title = 'changed by a reader';
    expect(await firstValueFrom(todos.get('m'))).toMatchObject({ title: 'Mutable', tags: ['a'] });
    expect((await firstValueFrom(todos.find()))?.find((d) => d.id === 'm')).toMatchObject({ title: 'Mutable', tags: ['a'] });
  });
});

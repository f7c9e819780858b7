/**
 * Ids, names and values at the edges, in the store (issue 14, defects 1, 2
 * and 20): the API refuses what the wire would refuse or SQLite would mangle,
 * with a message that names the problem, and writes nothing; the row keys
 * cannot mix up two documents even for ids that bypass the API.
 */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { firstValueFrom } from 'rxjs';
import { describe, expect, test } from 'vitest';
import { createStore, defineSchema, ErrorCode, type Op } from 'trellis';
import { MAX_NAME_LENGTH } from 'trellis/protocol';
import { formatTimestamp } from '../../../src/core/index.js';
import { getStoreHost } from '../../../src/store/index.js';
import { expectCode } from '../../helpers/expect-code.js';
import { testDatabase } from '../../helpers/open-test-store.js';
import { rawOps } from '../../helpers/raw-tables.js';
import { todoSchema } from '../../helpers/todo-schema.js';

const todo = (id: string, title = 't') => ({ id, title, createdAt: 1 });

describe('the store refuses ids the wire cannot carry unchanged', () => {
  test.each([
    ['a NUL', 'x\u0000evil', /contains NUL \(U\+0000\) at index 1/],
    ['a lone surrogate', 'half\ud83d', /not well-formed Unicode \(lone surrogate at index 4\)/],
    ['one past MAX_NAME_LENGTH', 'x'.repeat(MAX_NAME_LENGTH + 1), /more than 256/],
  ])('an id with %s is refused by put, update, delete, list writes and get; nothing is written', async (_name, id, message) => {
    const db = testDatabase();
    const store = await db.open();
    const todos = store.collection('todos');
    await todos.put(todo('x'));
    const before = await rawOps(db);
    expect((await expectCode(todos.put(todo(id)), ErrorCode.SCHEMA_VIOLATION)).message).toMatch(message);
    expect((await expectCode(store.collection('todos').bulkPut([todo('y'), todo(id)]), ErrorCode.SCHEMA_VIOLATION)).message).toMatch(message);
    expect((await expectCode(todos.update(id, { title: 'u' }), ErrorCode.INVALID_ARGUMENT)).message).toMatch(message);
    expect((await expectCode(todos.delete(id), ErrorCode.INVALID_ARGUMENT)).message).toMatch(message);
    expect((await expectCode(todos.listPush(id, 'tags', 'a'), ErrorCode.INVALID_ARGUMENT)).message).toMatch(message);
    expect(() => todos.get(id)).toThrow(message);
    expect(await rawOps(db)).toEqual(before);
    expect(await firstValueFrom(todos.get('x'))).toMatchObject({ id: 'x', title: 't' });
    expect(await firstValueFrom(todos.get('y'))).toBeUndefined();
  });

  test('the refusal says what to do', async () => {
    const store = await testDatabase().open();
    const err = await expectCode(store.collection('todos').update('a\u0000b', { title: 'u' }), ErrorCode.INVALID_ARGUMENT);
    expect(err.message).toMatch(/todos id "a\\u0000b"/);
    expect(err.message).toMatch(/Use a non-empty id of at most 256 UTF-16 code units, well-formed Unicode, without NUL/);
  });

  test('a lone surrogate in a map key, a string value or a list item id is refused with its path; nothing is written', async () => {
    const db = testDatabase();
    let ids = 0;
    let badIds = false;
    const store = await createStore({
      name: db.name,
      schema: todoSchema,
      indexedDB: db.indexedDB,
      IDBKeyRange,
      createId: () => (badIds ? 'item\udc00' : `id${++ids}`),
    });
    const todos = store.collection('todos');
    await todos.put(todo('a'));
    await todos.listPush('a', 'tags', 'first');
    const before = await rawOps(db);
    expect((await expectCode(todos.update('a', { title: 'x\ud83d' }), ErrorCode.SCHEMA_VIOLATION)).message).toMatch(
      /string at the top level is not well-formed Unicode \(lone surrogate at index 1\) at change\.value/,
    );
    expect((await expectCode(todos.put({ ...todo('b'), title: 'ok\ud83d' }), ErrorCode.SCHEMA_VIOLATION)).message).toMatch(
      /string at title is not well-formed Unicode \(lone surrogate at index 2\)/,
    );
    expect((await expectCode(todos.update('a', { meta: { color: '\udfff' } }), ErrorCode.SCHEMA_VIOLATION)).message).toMatch(/lone surrogate at index 0/);
    // The next id the store hands out (a list item id) is not well-formed.
    badIds = true;
    expect((await expectCode(todos.listPush('a', 'tags', 'second'), ErrorCode.SCHEMA_VIOLATION)).message).toMatch(/lone surrogate at index 4\) at change\.item/);
    expect(await rawOps(db)).toEqual(before);
  });

  test('a map key with a lone surrogate is refused (a map field of the simulation schema)', async () => {
    const schema = (await import('../../reliability/sim/sim-schema.js')).simSchema;
    const indexedDB = new IDBFactory();
    const store = await createStore({ name: 'map-keys', schema, indexedDB, IDBKeyRange });
    const todos = store.collection('todos');
    await todos.put({ id: 'a', title: 't', createdAt: 1 });
    expect((await expectCode(todos.update('a', { labels: { 'k\ud800': 'v' } }), ErrorCode.SCHEMA_VIOLATION)).message).toMatch(/lone surrogate at index 1/);
    expect((await expectCode(todos.put({ id: 'b', title: 't', createdAt: 1, labels: { 'k\ud800': 'v' } }), ErrorCode.SCHEMA_VIOLATION)).message).toMatch(
      /key at labels is not well-formed Unicode/,
    );
  });

  test('ids at the edges are accepted and read back exactly: MAX_NAME_LENGTH, astral characters, control characters', async () => {
    const store = await testDatabase().open();
    const todos = store.collection('todos');
    const ids = ['x'.repeat(MAX_NAME_LENGTH), '😀'.repeat(MAX_NAME_LENGTH / 2), `a\u{10FFFF}b`, '\u0001\u001f\u007f', 'tab\there'];
    for (const id of ids) await todos.put(todo(id, `title of ${id}`));
    for (const id of ids) expect(await firstValueFrom(todos.get(id))).toMatchObject({ id, title: `title of ${id}` });
    expect((await firstValueFrom(todos.find())).map((d) => d.id).sort()).toEqual([...ids].sort());
  });

  test('NUL inside a string value is data: stored and read back', async () => {
    const store = await testDatabase().open();
    await store.collection('todos').put(todo('n', 'a\u0000b'));
    expect(await firstValueFrom(store.collection('todos').get('n'))).toMatchObject({ title: 'a\u0000b' });
  });
});

describe('collection names', () => {
  test.each([['to\u0000dos'], ['todos\ud83d'], ['']])('defineSchema refuses the collection name %j (SCHEMA_INVALID)', (name) => {
    const define = () => defineSchema({ version: 1, collections: { [name]: { primaryKey: 'id', fields: { id: { type: 'string' } } } } });
    expect(define).toThrow(expect.objectContaining({ code: ErrorCode.SCHEMA_INVALID }) as Error);
  });
});

describe('schema defaults name the kind of a value that does not fit', () => {
  test.each([
    ['a Date', new Date(0), /must be a finite number, got a Date/],
    ['Infinity', Number.POSITIVE_INFINITY, /must be a finite number, got the number Infinity/],
    ['a Map', new Map(), /must be a finite number, got a Map/],
  ])('a default of %s for a number field is refused naming it', (_name, value, message) => {
    const define = () => defineSchema({ version: 1, collections: { c: { primaryKey: 'id', fields: { id: { type: 'string' }, n: { type: 'number', default: value as never } } } } });
    expect(define).toThrow(message);
  });
});

describe('the store names the actual problem of a value it refuses', () => {
  test.each([
    ['a number that is not finite', { createdAt: Number.POSITIVE_INFINITY }, /number Infinity at createdAt is not finite JSON/],
    ['a __proto__ key', { meta: JSON.parse('{"__proto__":{"polluted":true}}') }, /key `__proto__` is not allowed at meta/],
    ['a Date', { createdAt: new Date(0) }, /value of kind Date at createdAt is not JSON/],
    ['a lone surrogate', { tags: ['ok', 'x\udfff'] }, /string at tags\.1 is not well-formed Unicode \(lone surrogate at index 1\)/],
  ])('%s', async (_name, patch, message) => {
    const db = testDatabase();
    const store = await db.open();
    const err = await expectCode(store.collection('todos').put({ ...todo('a'), ...(patch as object) } as never), ErrorCode.SCHEMA_VIOLATION);
    expect(err.message).toMatch(message);
    expect(err.message).not.toMatch(/nested at most/);
    expect(await rawOps(db)).toEqual([]);
  });
});

describe('row keys: ids are data, never parsed', () => {
  const remote = (seq: number, id: string, title: string): Op => ({
    replicaId: 'bypass',
    seq,
    ts: formatTimestamp({ ms: 1_000 + seq, counter: 0 }),
    collection: 'todos',
    id,
    change: { kind: 'put', value: { id, title, createdAt: 1, done: false, tags: [] } },
  });

  test('ids that share a prefix up to a NUL stay two documents, even when they bypass the checks', async () => {
    const store = await testDatabase().open();
    const host = getStoreHost(store);
    await host.applyRemote([{ serverSeq: 1, op: remote(1, 'x', 'plain') }]);
    await host.applyRemote([{ serverSeq: 2, op: remote(2, 'x\u0000evil', 'evil') }]);
    expect(await firstValueFrom(store.collection('todos').get('x'))).toMatchObject({ id: 'x', title: 'plain' });
    // And in one batch (one frame holding both).
    await host.applyRemote([
      { serverSeq: 3, op: remote(3, 'y', 'plain') },
      { serverSeq: 4, op: remote(4, 'y\u0000evil\u0000more', 'evil') },
    ]);
    expect(await firstValueFrom(store.collection('todos').get('y'))).toMatchObject({ id: 'y', title: 'plain' });
  });
});

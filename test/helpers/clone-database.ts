/**
 * A copy of a test database under the same name in another IndexedDB factory:
 * what copying a browser profile (or restoring a backup) does to a store.
 * The copy is laid out by the store itself (createStore on the new factory),
 * then every table's rows are copied with their keys.
 */
import { Dexie } from 'dexie';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { createStore } from 'trellis';
import type { TestDatabase } from './open-test-store.js';
import { todoSchema } from './todo-schema.js';

export async function cloneDatabase(source: TestDatabase): Promise<TestDatabase> {
  const indexedDB = new IDBFactory();
  const clone: TestDatabase = {
    name: source.name,
    indexedDB,
    open: (options = {}) =>
      createStore({ name: source.name, schema: (options.schema ?? todoSchema) as never, indexedDB, IDBKeyRange, ...(options.now ? { now: options.now } : {}) }),
  };
  await (await clone.open()).close();
  const from = new Dexie(source.name, { indexedDB: source.indexedDB, IDBKeyRange });
  const to = new Dexie(source.name, { indexedDB, IDBKeyRange });
  await from.open();
  await to.open();
  try {
    for (const table of from.tables) {
      const keys = await table.toCollection().primaryKeys();
      const rows = await table.toArray();
      const target = to.table(table.name);
      await target.clear();
      // Inline keys travel in the rows; out-of-line keys are passed alongside.
      if (table.schema.primKey.keyPath) await target.bulkPut(rows);
      else await target.bulkPut(rows, keys as never);
    }
  } finally {
    from.close();
    to.close();
  }
  return clone;
}

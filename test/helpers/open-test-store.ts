import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { createStore, type Schema, type SchemaDef, type Store } from 'trellis';
import { todoSchema } from './todo-schema.js';

let counter = 0;

export type TodoStore = Store<typeof todoSchema.definition>;

export interface TestDatabase {
  readonly name: string;
  readonly indexedDB: IDBFactory;
  /** Opens a store on this database (call twice for "two tabs"). */
  open<S extends SchemaDef = typeof todoSchema.definition>(options?: { schema?: Schema<S>; now?: () => number }): Promise<Store<S>>;
}

/** A fresh fake-indexeddb factory and database name per call: tests never share state. */
export function testDatabase(): TestDatabase {
  const indexedDB = new IDBFactory();
  const name = `test-${++counter}`;
  return {
    name,
    indexedDB,
    open: (options = {}) =>
      createStore({
        name,
        schema: (options.schema ?? todoSchema) as never,
        indexedDB,
        IDBKeyRange,
        ...(options.now ? { now: options.now } : {}),
      }),
  };
}

/** One store on its own database. */
export async function openTestStore() {
  return testDatabase().open();
}

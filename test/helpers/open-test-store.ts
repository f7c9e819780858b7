import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { createStore, type Schema, type SchemaDef, type Store, type StorePlugin, type StoreWith } from 'trellis';
import { todoSchema } from './todo-schema.js';

let counter = 0;

export type TodoStore = Store<typeof todoSchema.definition>;

export interface TestDatabase {
  readonly name: string;
  readonly indexedDB: IDBFactory;
  /** Opens a store on this database (call twice for "two tabs"). */
  open<S extends SchemaDef = typeof todoSchema.definition, const P extends readonly StorePlugin[] = readonly []>(options?: {
    schema?: Schema<S>;
    now?: () => number;
    /** createStore's opt-in parts: undo() from 'trellis/undo', files() from 'trellis/files'. */
    plugins?: P;
  }): Promise<StoreWith<S, P>>;
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
        ...(options.plugins ? { plugins: options.plugins } : {}),
      }) as never,
  };
}

/** One store on its own database (with createStore's opt-in parts, e.g. `{ plugins: [undo()] }`). */
export async function openTestStore<const P extends readonly StorePlugin[] = readonly []>(options: { plugins?: P } = {}) {
  return testDatabase().open<typeof todoSchema.definition, P>(options);
}

/**
 * What every page-side figure shares: the bench schema, the documents (~200
 * bytes of JSON each), and the raw Dexie database that is the limit. The raw
 * table has the same documents and the same index as the Trellis collection.
 */
import { Dexie, type Table } from 'dexie';
import { createStore, defineSchema, type Store } from 'trellis';
import type { Item } from './items.js';

export { LISTS, makeItem, makeItems, type Item } from './items.js';

export const benchSchema = defineSchema({
  version: 1,
  collections: {
    items: {
      primaryKey: 'id',
      fields: {
        id: { type: 'string' },
        list: { type: 'string' },
        title: { type: 'string' },
        done: { type: 'boolean', default: false },
        priority: { type: 'number' },
        createdAt: { type: 'number' },
        notes: { type: 'string' },
        tags: { type: 'list', items: { type: 'string' }, default: [] },
      },
      indexes: { byList: ['list', 'createdAt'] },
    },
  },
});

export type BenchStore = Store<typeof benchSchema.definition>;

export interface RawDb extends Dexie {
  items: Table<Item, string>;
}

/** Raw Dexie with default options, the same index as `byList`. */
export function rawDb(name: string): RawDb {
  const db = new Dexie(name) as RawDb;
  db.version(1).stores({ items: 'id, [list+createdAt]' });
  return db;
}

export function openStore(name: string): Promise<BenchStore> {
  return createStore({ name, schema: benchSchema });
}

/** Deletes the database (whoever had it open must have closed it). */
export async function dropDatabase(name: string): Promise<void> {
  await Dexie.delete(name);
}

let counter = 0;
/** A database name no earlier figure or run in this profile used. */
export function freshName(label: string): string {
  return `bench-${label}-${Date.now().toString(36)}-${++counter}`;
}

/** Milliseconds that `fn` took. */
export async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

export type Side = 'trellis' | 'limit';

/** The page-side half of a figure: methods the Node side calls by name. */
export type PageFigure = Record<string, (arg?: any) => Promise<unknown>>;

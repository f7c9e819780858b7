import { Dexie } from 'dexie';
import { IDBKeyRange } from 'fake-indexeddb';
import type { TestDatabase } from './open-test-store.js';

/** Opens the store's IndexedDB database directly (Dexie dynamic mode) to inspect what is stored. */
export async function rawTables(database: TestDatabase): Promise<Dexie> {
  const db = new Dexie(database.name, { indexedDB: database.indexedDB, IDBKeyRange });
  await db.open();
  return db;
}

export async function rawRows(database: TestDatabase, table: string): Promise<any[]> {
  const db = await rawTables(database);
  try {
    return await db.table(table).toArray();
  } finally {
    db.close();
  }
}

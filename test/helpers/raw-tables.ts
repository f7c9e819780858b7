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

/** The ops in the op log, in key order: a run (several ops of one transaction in one row, store/op-log.ts) counts as its ops, the last carrying the run's server seq. */
export async function rawOps(database: TestDatabase): Promise<any[]> {
  return (await rawRows(database, 'ops')).flatMap((row) =>
    Array.isArray(row.ops) ? row.ops.map((op: any, i: number) => (i === row.ops.length - 1 && row.serverSeq !== undefined ? { ...op, serverSeq: row.serverSeq } : op)) : [row],
  );
}

/**
 * The private part of Dexie that the store depends on, pinned. The write path
 * issues native IndexedDB requests (idb.ts: Dexie's table API costs a third of
 * a put's time) and tells live queries about them by firing
 * `Dexie.on.storagemutated` with parts it builds itself, in the shape of
 * Dexie's observability middleware: `idb://<database>/<table>/<index>` keys
 * ('' for the primary key, `:dels` for rows that may have left a result) of
 * RangeSets. head-cache.ts parses the same keys when other writers fire them.
 * Neither shape is documented: if a Dexie upgrade changes it, live queries
 * would silently stop following writes. These tests fail first.
 */
import { Dexie, liveQuery, type ObservabilitySet } from 'dexie';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { ReplaySubject, filter, firstValueFrom, timeout, type Observable, type Subscription } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { createHeadCache } from '../../../src/store/head-cache.js';
import { deleteRows, ownTransaction, putRows } from '../../../src/store/idb.js';

interface Row {
  readonly k: string;
  readonly n: number;
}

const opened: Dexie[] = [];
afterEach(() => opened.splice(0).forEach((db) => db.close()));

let names = 0;
/** Opened before a test watches anything: Dexie announces a database it creates as wholly changed. */
async function database(o: { name?: string; indexedDB?: IDBFactory } = {}): Promise<Dexie> {
  // liveQuery runs only where Dexie sees an IndexedDB (as database.ts sets it for stores).
  if (!Dexie.dependencies.indexedDB) Object.assign(Dexie.dependencies, { indexedDB: new IDBFactory(), IDBKeyRange });
  // As database.ts opens a store's: without Dexie's query cache. With it, `storagemutated.fire` alone would not
  // refresh cached index queries (Dexie's cache is refreshed by its own writes and other tabs' messages only).
  const db = new Dexie(o.name ?? `contract-${++names}`, { indexedDB: o.indexedDB ?? new IDBFactory(), IDBKeyRange, cache: 'disabled' });
  // `c_docs` holds heads (database.ts holdsHeads), like a collection's documents.
  db.version(1).stores({ c_docs: 'k, n', other: 'k' });
  opened.push(db);
  await db.open();
  return db;
}

const subscriptions: Subscription[] = [];
afterEach(() => subscriptions.splice(0).forEach((s) => s.unsubscribe()));

/**
 * ONE subscription to a live query (a new subscription would run the query
 * afresh and see any write, told or not), counting its runs; `first` is its
 * latest or next value that satisfies `predicate` (10 s safety net).
 */
function watched<T>(query: () => Promise<T>) {
  const counter = { runs: 0 };
  const values = new ReplaySubject<T>(1);
  subscriptions.push(
    (
      liveQuery(() => {
        counter.runs++;
        return query();
      }) as unknown as Observable<T>
    ).subscribe(values),
  );
  return { counter, first: (predicate: (value: T) => boolean) => firstValueFrom(values.pipe(filter(predicate), timeout(10_000))) };
}

/** The native write path (idb.ts): one put in a transaction of its own, announced as idb.ts builds it. */
const nativePut = (db: Dexie, rows: Row[]) => ownTransaction(db, ['c_docs'], (tx, mutations) => putRows(tx, mutations, 'c_docs', rows));
const nativeDelete = (db: Dexie, keys: string[]) => ownTransaction(db, ['c_docs'], (tx, mutations) => deleteRows(tx, mutations, 'c_docs', keys));

/** A put that announces nothing: raw IndexedDB under Dexie. */
async function silentPut(db: Dexie, row: Row): Promise<void> {
  if (!db.isOpen()) await db.open();
  const tx = db.backendDB().transaction(['c_docs'], 'readwrite');
  tx.objectStore('c_docs').put(row);
  await new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
}

/** The parts of `db` fired by `write`, as every `storagemutated` listener receives them. */
async function partsOf(db: Dexie, write: () => Promise<unknown>): Promise<ObservabilitySet> {
  const fired: ObservabilitySet = {};
  const mine = `idb://${db.name}/`;
  const listener = (parts: ObservabilitySet) => Object.assign(fired, Object.fromEntries(Object.entries(parts).filter(([key]) => key.startsWith(mine))));
  Dexie.on.storagemutated.subscribe(listener);
  try {
    await write();
    // idb.ts announces in the next task; Dexie's own transactions fire on commit. A positive signal either way:
    await new Promise<void>((resolve) => {
      const check = () => (Object.keys(fired).length > 0 ? resolve() : setImmediate(check));
      check();
    });
  } finally {
    Dexie.on.storagemutated.unsubscribe(listener);
  }
  return fired;
}

describe("Dexie's change-tracking contract (what idb.ts and head-cache.ts rely on)", () => {
  it('a live query of one row by primary key re-runs on the parts the native write path builds for a put and a delete', async () => {
    const db = await database();
    const query = watched(() => db.table<Row, string>('c_docs').get('a'));
    await query.first((row) => row === undefined);
    await nativePut(db, [{ k: 'a', n: 1 }]);
    expect(await query.first((row) => row?.n === 1)).toEqual({ k: 'a', n: 1 });
    await nativeDelete(db, ['a']);
    expect(await query.first((row) => row === undefined)).toBeUndefined();
  });

  it('a live query over an index range re-runs when the native write path puts a row into the range', async () => {
    const db = await database();
    const query = watched(() => db.table<Row, string>('c_docs').where('n').between(10, 20).toArray());
    await query.first((rows) => rows.length === 0);
    await nativePut(db, [{ k: 'b', n: 15 }]);
    expect(await query.first((rows) => rows.length === 1)).toEqual([{ k: 'b', n: 15 }]);
  });

  it('a live query is not re-run by parts whose keys have another shape, and is by the same ranges under the shape idb.ts builds', async () => {
    const db = await database();
    const query = watched(() => db.table<Row, string>('c_docs').get('a'));
    await query.first((row) => row === undefined);
    expect(query.counter.runs).toBe(1);
    await silentPut(db, { k: 'a', n: 1 });
    const parts = await partsOf(db, () => ownTransaction(db, ['c_docs'], async (tx, mutations) => mutations.put('c_docs', [{ k: 'a', n: 1 }])));
    const reshaped = (rename: (key: string) => string): ObservabilitySet => Object.fromEntries(Object.entries(parts).map(([key, set]) => [rename(key), set]));
    // The announcement above already re-ran it once (idb.ts's own shape): the baseline for what follows.
    await query.first((row) => row?.n === 1);
    const before = query.counter.runs;
    Dexie.on.storagemutated.fire(reshaped((key) => key.replace('idb://', 'idb:/')));
    Dexie.on.storagemutated.fire(reshaped((key) => key.replace(`/${db.name}/`, `/${db.name}-other/`)));
    Dexie.on.storagemutated.fire(reshaped((key) => `${key}/`));
    // The positive signal: a later change, announced in idb.ts's shape, is seen; the reshaped parts before it ran nothing.
    await silentPut(db, { k: 'a', n: 2 });
    Dexie.on.storagemutated.fire(parts);
    await query.first((row) => row?.n === 2);
    expect(query.counter.runs).toBe(before + 1);
  });

  it("Dexie's own bulkPut and bulkDelete fire parts with the keys the native write path builds", async () => {
    const rows = [
      { k: 'a', n: 1 },
      { k: 'b', n: 2 },
    ];
    const dexie = await database();
    const native = await database();
    const dexieKeys = async (write: () => Promise<unknown>) => Object.keys(await partsOf(dexie, write)).sort();
    const ours = Object.keys(await partsOf(native, () => nativePut(native, rows))).map((key) => key.replace(native.name, dexie.name));
    expect(await dexieKeys(() => dexie.table('c_docs').bulkPut(rows))).toEqual(ours.sort());
    expect(ours.sort()).toEqual([`idb://${dexie.name}/c_docs/`, `idb://${dexie.name}/c_docs/:dels`, `idb://${dexie.name}/c_docs/n`]);
    // A delete: primary keys (and :dels) in both; Dexie adds the old rows' index keys when it knows them.
    const oursDeleted = Object.keys(await partsOf(native, () => nativeDelete(native, ['a']))).map((key) => key.replace(native.name, dexie.name));
    const dexieDeleted = await dexieKeys(() => dexie.table('c_docs').bulkDelete(['a']));
    expect(dexieDeleted).toEqual(expect.arrayContaining(oursDeleted));
    expect(dexieDeleted.every((key) => key.startsWith(`idb://${dexie.name}/c_docs/`))).toBe(true);
  });

  it("the head cache parses the parts of Dexie's own writes: another instance's bulkPut into a table of heads empties it, one into another table does not", async () => {
    const indexedDB = new IDBFactory();
    const mine = await database({ name: 'contract-heads', indexedDB });
    const theirs = await database({ name: 'contract-heads', indexedDB });
    const cache = createHeadCache(mine);
    try {
      const state = { entries: [] };
      cache.remember([{ key: 'docs\u0000a', state }]);
      await partsOf(theirs, () => theirs.table('other').bulkPut([{ k: 'x' }]));
      expect(cache.get('docs\u0000a')).toBe(state);
      await partsOf(theirs, () => theirs.table('c_docs').bulkPut([{ k: 'x', n: 1 }]));
      expect(cache.get('docs\u0000a')).toBeUndefined();
    } finally {
      cache.close();
    }
  });
});

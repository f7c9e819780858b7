/**
 * The write path's requests, issued on the IndexedDB transaction under a
 * Dexie one. Dexie's table API costs about 0.1 ms per request in Chromium (its
 * middleware stack, its promises), which is a third of a single put's time;
 * the write path issues a handful of requests per write, so it talks to
 * IndexedDB itself.
 *
 * Dexie's live queries learn of writes from the ranges its own middleware
 * records. Writes issued here record theirs the same way (`Mutations`: the
 * primary key, and each index's key, of every row written) and announce them
 * through `Dexie.on.storagemutated`, Dexie's public event, once the
 * transaction has committed; Dexie forwards the event to its other tabs.
 * The parts' shape (`idb://<database>/<table>/<index>`, `:dels`) is Dexie's
 * private format, and it reaches cached queries only with Dexie's query cache
 * off (database.ts): test/unit/store/dexie-change-contract.test.ts pins both,
 * so a Dexie upgrade that changes them fails there, not silently in apps.
 */
import { Dexie, RangeSet, type IndexableType, type ObservabilitySet, type Transaction } from 'dexie';

/**
 * The request's result, once it succeeds; its error, if it fails. A failed
 * request aborts the transaction (nothing of it is written); the error goes to
 * the awaiting write rather than to Dexie's transaction handler, which would
 * see it before the transaction holds it.
 */
export function settle<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = (event) => {
      event.stopPropagation();
      reject(request.error);
    };
  });
}

/** A Dexie transaction, or the IndexedDB one a write opened itself. */
export type AnyTransaction = Transaction | IDBTransaction;

export function objectStore(tx: AnyTransaction, table: string): IDBObjectStore {
  return ('idbtrans' in tx ? tx.idbtrans : tx).objectStore(table);
}

export function getRow<T>(tx: AnyTransaction, table: string, key: IDBValidKey): Promise<T | undefined> {
  return settle(objectStore(tx, table).get(key)) as Promise<T | undefined>;
}

/** From this many rows on, a write marks its whole table. */
const WHOLE_TABLE = 50;
/** Every IndexedDB key: from the lowest (-Infinity) to above the highest (an array of an array). */
const EVERYTHING = { from: -Infinity, to: [[]] };

function keyAt(row: Record<string, unknown>, path: string | readonly string[]): IndexableType | undefined {
  return (typeof path === 'string' ? row[path] : path.map((p) => row[p])) as IndexableType | undefined;
}

/**
 * Runs `fn` in the next task: setImmediate where there is one (Node), else a
 * zero timeout (browsers run it without delay). In Node a zero timeout waits
 * at least 1 ms, long after the I/O the writer's next step caused.
 */
const nextTask: (fn: () => void) => void =
  typeof setImmediate === 'function' ? (fn) => void setImmediate(fn) : (fn) => void setTimeout(fn, 0);

/** The database whose native writes each announced set of parts tells of (see `firedBy`). */
const announcedBy = new WeakMap<ObservabilitySet, Dexie>();

/** The database instance that announced `parts` through `Mutations`, if one did (Dexie's own transactions and other tabs' writes have none). */
export function firedBy(parts: ObservabilitySet): Dexie | undefined {
  return announcedBy.get(parts);
}

/** The parts of the database a transaction's native writes touched, in Dexie's terms (see its observability middleware). */
export class Mutations {
  private readonly parts: ObservabilitySet = {};
  constructor(private readonly db: Dexie) {}

  private range(table: string, index: string): RangeSet {
    const part = `idb://${this.db.name}/${table}/${index}`;
    return (this.parts[part] ??= new RangeSet()) as RangeSet;
  }

  /**
   * Rows put into `table`: their primary keys (for queries that read them, by
   * key or as results of an index query) and their index keys (for index
   * queries they now enter). A row's old index keys need no mark: every query
   * that listed it watches its primary key.
   */
  put(table: string, rows: readonly object[]): void {
    if (rows.length === 0) return;
    const schema = this.db.table(table).schema;
    if (rows.length >= WHOLE_TABLE) {
      // As Dexie does for big writes: marking every key costs more than the extra re-runs of queries over the table.
      for (const index of ['', ':dels', ...schema.indexes.map((i) => i.name)]) this.range(table, index).add(EVERYTHING);
      return;
    }
    const keys = this.range(table, '');
    const dels = this.range(table, ':dels');
    for (const row of rows as Record<string, unknown>[]) {
      const key = keyAt(row, schema.primKey.keyPath as string | string[]) as IndexableType;
      keys.addKey(key);
      dels.addKey(key);
    }
    for (const index of schema.indexes) {
      const range = this.range(table, index.name);
      for (const row of rows as Record<string, unknown>[]) {
        const key = keyAt(row, index.keyPath as string | string[]);
        if (key == null || (Array.isArray(key) && key.some((part) => part == null))) continue;
        if (index.multi && Array.isArray(key)) for (const item of key as unknown as IndexableType[]) range.addKey(item);
        else range.addKey(key);
      }
    }
  }

  /** Rows deleted from `table`: their primary keys (every query that listed them watches those). */
  deleted(table: string, keys: readonly IDBValidKey[]): void {
    const range = this.range(table, '');
    const dels = this.range(table, ':dels');
    for (const key of keys) {
      range.addKey(key as IndexableType);
      dels.addKey(key as IndexableType);
    }
  }

  /**
   * Tells every live query (here and in other tabs) about the writes; call
   * after the transaction committed. The news goes out in a task of its own:
   * Dexie re-plans every live query and posts to the other tabs synchronously
   * (about 0.6 ms in Chromium), which would otherwise delay what the writer
   * does next, such as pushing the ops to the server. This store instance's
   * own queries already showed the writes before the commit (optimistic.ts).
   */
  announce(): void {
    if (Object.keys(this.parts).length === 0) return;
    const parts = this.parts;
    announcedBy.set(parts, this.db);
    nextTask(() => Dexie.on.storagemutated.fire(parts));
  }
}

/** Deletes the rows of these keys from `table`, as `putRows` puts. */
export function deleteRows(tx: AnyTransaction, mutations: Mutations, table: string, keys: readonly IDBValidKey[]): Promise<unknown> {
  if (keys.length === 0) return Promise.resolve();
  mutations.deleted(table, keys);
  const store = objectStore(tx, table);
  return all(keys.map((key) => store.delete(key)));
}

/** Puts `rows` into `table` with native requests, recording them in `mutations`. Resolves once all are done. */
export function putRows(tx: AnyTransaction, mutations: Mutations, table: string, rows: readonly object[], mode: 'put' | 'add' = 'put'): Promise<unknown> {
  if (rows.length === 0) return Promise.resolve();
  mutations.put(table, rows);
  const store = objectStore(tx, table);
  return all(rows.map((row) => (mode === 'add' ? store.add(row) : store.put(row))));
}

/** Settles when the last of these requests (of one transaction, issued in order) succeeds, or when any fails. */
function all(requests: readonly IDBRequest[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const fail = (event: Event) => {
      event.stopPropagation();
      reject((event.target as IDBRequest).error);
    };
    for (const request of requests) request.onerror = fail;
    // IndexedDB completes a transaction's requests in order: the last one's success means all succeeded.
    (requests.at(-1) as IDBRequest).onsuccess = () => resolve(undefined);
  });
}

/**
 * Runs `body` in a readwrite IndexedDB transaction of its own, opened on the
 * database directly (Dexie's transaction wrapper, its zones and promises,
 * costs about 0.4 ms a transaction in Chromium). `body` issues its writes and
 * returns without waiting for them: the transaction is committed at once, a
 * failed write aborts it, and the returned promise settles when it has
 * committed (then live queries learn of `mutations`) or failed.
 */
export async function ownTransaction<T>(db: Dexie, tables: readonly string[], body: (tx: IDBTransaction, mutations: Mutations) => Promise<T>): Promise<T> {
  // Closed by Dexie after another tab upgraded the database: reopen it as Dexie's own transactions would.
  if (!db.isOpen()) await db.open();
  const tx = db.backendDB().transaction(tables as string[], 'readwrite', { durability: 'default' });
  const mutations = new Mutations(db);
  const done = new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error ?? new DOMException('The transaction was aborted.', 'AbortError'));
  });
  done.catch(() => undefined); // awaited below unless `body` fails first (then that failure is the one reported)
  let result: T;
  try {
    result = await body(tx, mutations);
  } catch (err) {
    try {
      tx.abort();
    } catch {
      // Already aborted by the failed request.
    }
    throw err;
  }
  tx.commit();
  await done;
  mutations.announce();
  return result;
}

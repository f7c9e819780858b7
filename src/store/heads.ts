/**
 * Where a document's head (its merge state: every write this replica holds,
 * merged) is stored. Every document of a known collection keeps its head in
 * its own row, beside the materialized document (`h` next to `d`), so a
 * write reads one row and writes one row. A deleted document's row keeps
 * its head (the tombstone) without `d` or index keys: no index lists it, and
 * scans skip it. The `heads` table holds only the heads of documents of
 * collections this schema does not know (received from newer replicas).
 *
 * The head in a row is stored compactly, and exactly: replica ids are listed
 * once (entries point into the list), and a put or set whose value is what
 * the document shows at that path leaves the value out, to be read back from
 * `d`; the whole is one JSON string. Every writer of a row encodes its head against the `d` it writes with
 * it (`headRow`), so the two never disagree.
 */
import { Dexie, type Transaction } from 'dexie';
import type { Baseline, Change, DocState, Json, JsonObject, StateEntry } from '../core/index.js';
import { TS_LENGTH, deepEqual } from '../core/index.js';
import type { CollectionDef } from '../schema/index.js';
import { knownCollection, type StoreContext } from './context.js';
import { docTableName, type DocRow, type HeadRow } from './database.js';
import { docRow } from './index-keys.js';
import { baselineOf } from './compact.js';
import { materialize, nullPath } from '../merge/index.js';
import { applyDefaults } from '../schema/index.js';
import { deleteRows, objectStore, putRows, settle, type AnyTransaction, type Mutations } from './idb.js';
import { headKey } from './head-key.js';
import { valueAt } from './value-at.js';

/**
 * An entry's change as stored: the change itself, or, when its value can be
 * read back from the document, `0` for a put (its value is the document with
 * null wherever a later set or unset of the head writes: the merge nulls
 * those parts) or the path of a set (its value is the document's there).
 */
type StoredChange = Change | 0 | readonly string[];

/** A head as stored in a document row. */
export interface StoredHead {
  /** The replica ids the entries refer to by index. */
  readonly r: readonly string[];
  /** Entries in state order: [ts, replica index, seq, change]. */
  readonly e: readonly (readonly [string, number, number, StoredChange])[];
}

/** A document's head as read for a write, and whether a `heads` row holds it (to be removed when the row takes it over). */
export interface LoadedHead {
  readonly state: DocState | undefined;
  readonly inHeads: boolean;
}

/** What a put's value would be if it were the document: null where later entries of the head set or unset. */
function putFromDoc(doc: JsonObject, later: readonly StateEntry[]): JsonObject {
  let value = doc;
  for (const { change } of later) {
    if ((change.kind === 'set' || change.kind === 'unset') && change.path.length > 0) value = nullPath(value, change.path);
  }
  return value;
}

export function encodeHead(state: DocState, doc: JsonObject): StoredHead {
  const replicas: string[] = [];
  const index = new Map<string, number>();
  const e = state.entries.map((entry, i) => {
    const replicaId = entry.stamp.slice(TS_LENGTH);
    let r = index.get(replicaId);
    if (r === undefined) index.set(replicaId, (r = replicas.push(replicaId) - 1));
    const { change } = entry;
    let stored: StoredChange = change;
    if (change.kind === 'put' && deepEqual(change.value, putFromDoc(doc, state.entries.slice(i + 1)))) stored = 0;
    else if (change.kind === 'set' && change.path.length > 0 && deepEqual(change.value, valueAt(doc, change.path))) stored = change.path;
    return [entry.stamp.slice(0, TS_LENGTH), r, entry.seq, stored] as const;
  });
  return { r: replicas, e };
}

export function decodeHead(head: StoredHead, doc: JsonObject): DocState {
  const entries: StateEntry[] = new Array(head.e.length);
  // Newest first: a put's value needs the entries after it.
  for (let i = head.e.length - 1; i >= 0; i--) {
    const [ts, r, seq, stored] = head.e[i] as StoredHead['e'][number];
    const change: Change =
      stored === 0
        ? { kind: 'put', value: putFromDoc(doc, entries.slice(i + 1)) }
        : Array.isArray(stored)
          ? { kind: 'set', path: stored, value: valueAt(doc, stored) as Json }
          : (stored as Change);
    entries[i] = { stamp: ts + head.r[r], seq, change };
  }
  return { entries };
}

/** A document's row: the document, its index keys and its head; a deleted document's row has the head only. */
export function headRow(def: CollectionDef, id: string, state: DocState, doc: JsonObject | undefined): DocRow {
  // As a JSON string: queries read every row they return, and a string costs IndexedDB next to nothing to
  // clone and deserialize, where an object of arrays costs per value; only writes parse it.
  if (doc === undefined) return { k: id, h: JSON.stringify(encodeHead(state, EMPTY)) } as DocRow;
  return { ...docRow(def, id, doc), h: JSON.stringify(encodeHead(state, doc)) };
}

const EMPTY: JsonObject = Object.freeze({});

export function rowHead(row: DocRow): DocState {
  return decodeHead(JSON.parse(row.h) as StoredHead, row.d ?? EMPTY);
}

/** Above this many documents of one table, `readHeads` first asks which of them exist. */
const BULK = 64;


/**
 * Reads the heads of the given documents: from their rows, or from the
 * `heads` table for unknown collections (and rows of the older layout).
 */
export async function readHeads(ctx: StoreContext, tx: AnyTransaction, keys: readonly (readonly [string, string])[]): Promise<LoadedHead[]> {
  const byTable = new Map<string, number[]>();
  keys.forEach(([collection], i) => {
    if (!knownCollection(ctx, collection)) return;
    const table = docTableName(collection);
    const list = byTable.get(table);
    if (list) list.push(i);
    else byTable.set(table, [i]);
  });
  const rows: (DocRow | undefined)[] = new Array(keys.length);
  await Promise.all(
    [...byTable].map(async ([table, indexes]) => {
      let wanted = indexes;
      if (indexes.length > BULK) {
        // One keys-only read of the ids' span first: a bulk write of new documents then reads no rows at all.
        const ids = indexes.map((i) => (keys[i] as [string, string])[1]).sort();
        const span = Dexie.dependencies.IDBKeyRange.bound(ids[0], ids.at(-1));
        const stored = new Set((await settle(objectStore(tx, table).getAllKeys(span))) as string[]);
        wanted = indexes.filter((i) => stored.has((keys[i] as [string, string])[1]));
      }
      const store = objectStore(tx, table);
      await Promise.all(wanted.map(async (at) => (rows[at] = (await settle(store.get((keys[at] as [string, string])[1]))) as DocRow | undefined)));
    }),
  );
  const loaded: LoadedHead[] = rows.map((row) => ({ state: row && rowHead(row), inHeads: false }));
  // Unknown collections keep their heads in `heads`.
  const rest = keys.flatMap((key, i) => (knownCollection(ctx, key[0]) ? [] : [i]));
  if (rest.length > 0) {
    const store = objectStore(tx, 'heads');
    await Promise.all(
      rest.map(async (at) => {
        const head = (await settle(store.get([...(keys[at] as [string, string])]))) as HeadRow | undefined;
        if (head) loaded[at] = { state: head.state, inHeads: true };
      }),
    );
  }
  return loaded;
}

/** Every head this replica holds, as baselines (for a seed, an export, the at-risk count or a rematerialization). */
export async function readAllHeads(ctx: StoreContext, tx: Transaction): Promise<Baseline[]> {
  const heads = new Map<string, Baseline>();
  for (const head of (await tx.table('heads').toArray()) as HeadRow[]) heads.set(headKey(head.collection, head.id), head);
  for (const collection of ctx.schema.collectionNames) {
    await tx.table(docTableName(collection)).each((row: DocRow) => {
      // Rows of the first layout (before heads moved into rows, see migrate.ts) have no `h`: their head is in `heads`.
      if (row.h) heads.set(headKey(collection, row.k), baselineOf(collection, row.k, rowHead(row)));
    });
  }
  return [...heads.values()];
}

/** A head to store: the document's new state, its materialized document (undefined when deleted or unknown), and whether a `heads` row holds it now. */
export interface HeadWrite {
  readonly collection: string;
  readonly id: string;
  readonly state: DocState;
  readonly doc: JsonObject | undefined;
  readonly inHeads: boolean;
}

/** The write of a head merged from elsewhere (remote ops, a snapshot, a schema upgrade): its document materialized with defaults, when the collection is known. */
export function headWrite(ctx: StoreContext, collection: string, id: string, state: DocState, inHeads: boolean): HeadWrite {
  const def = knownCollection(ctx, collection);
  const doc = def ? materialize(state) : undefined;
  return { collection, id, state, doc: def && doc ? applyDefaults(def.fields, doc) : undefined, inHeads };
}

/**
 * Issues the writes that store these heads and their documents, all at once
 * (IndexedDB runs a transaction's requests in order; waiting for each before
 * sending the next only adds round trips). Returns when all are done.
 * With `mutations`, they go as native requests recorded there (idb.ts: the
 * caller announces them once its transaction commits); without, through
 * Dexie's tables.
 */
export function writeHeads(ctx: StoreContext, tx: Transaction, writes: Iterable<HeadWrite>): Promise<unknown>;
export function writeHeads(ctx: StoreContext, tx: AnyTransaction, writes: Iterable<HeadWrite>, mutations: Mutations): Promise<unknown>;
export function writeHeads(ctx: StoreContext, tx: AnyTransaction, writes: Iterable<HeadWrite>, mutations?: Mutations): Promise<unknown> {
  const puts = new Map<string, DocRow[]>();
  const unknown: HeadRow[] = [];
  const moved: [string, string][] = [];
  for (const w of writes) {
    const def = knownCollection(ctx, w.collection);
    if (!def) {
      unknown.push(baselineOf(w.collection, w.id, w.state));
      continue;
    }
    // A head without writes (deleting a document never written) is no baseline: nothing to store.
    if (w.doc === undefined && w.state.entries.length === 0) continue;
    const table = docTableName(w.collection);
    const list = puts.get(table);
    const row = headRow(def, w.id, w.state, w.doc);
    if (list) list.push(row);
    else puts.set(table, [row]);
    if (w.inHeads) moved.push([w.collection, w.id]);
  }
  const put = (table: string, rows: readonly object[]) => (mutations ? putRows(tx, mutations, table, rows) : (tx as Transaction).table(table).bulkPut(rows));
  const requests: Promise<unknown>[] = [];
  for (const [table, rows] of puts) requests.push(put(table, rows));
  if (unknown.length > 0) requests.push(put('heads', unknown));
  if (moved.length > 0) requests.push(mutations ? deleteRows(tx, mutations, 'heads', moved) : (tx as Transaction).table('heads').bulkDelete(moved));
  return Promise.all(requests);
}

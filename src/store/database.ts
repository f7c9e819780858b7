import { Dexie, type Table, type Transaction } from 'dexie';
import type { Baseline, ClockState, Json, JsonObject, Op } from '../core/index.js';
import type { CollectionDef, Schema } from '../schema/index.js';

/** The replica's identity and counters: one row, read and written in every write transaction. */
export interface LocalMeta {
  readonly replicaId: string;
  /** Highest seq this replica has allocated. */
  readonly seq: number;
  readonly clock: ClockState;
  /** Highest own seq the server acknowledged (0 = none). */
  readonly ackedSeq: number;
  readonly createdAt: number;
}

export interface MetaRow {
  readonly key: string;
  readonly value: unknown;
}

/** An op as stored: `serverSeq` is set once the server has it (received from, or acknowledged by it). */
export type OpRow = Op & { serverSeq?: number };

/**
 * A document's current merge state (everything this replica holds: what was
 * compacted plus every op since), tagged with the replica and ts of its last
 * write. It doubles as the replica's baseline: compaction only has to drop
 * the ops the server has squashed, and a seed sends heads as baselines.
 * Documents of known collections keep their head in their own row
 * (`DocRow.h`); the `heads` table holds those of unknown collections.
 */
export type HeadRow = Baseline;

/**
 * A document's row: `d` is the document, `x_<index>` its encoded index keys,
 * `h` its head stored compactly against `d` (store/heads.ts). A deleted
 * document's row has only `k` and `h`: no index lists it.
 */
export interface DocRow {
  readonly k: string;
  readonly d?: JsonObject;
  /** A `StoredHead` as JSON. */
  readonly h: string;
  readonly [indexKey: `x_${string}`]: Json;
}

/** What a reset forfeited: local changes kept on the replica, exportable and re-appliable. */
export interface Archive {
  readonly id: string;
  readonly createdAt: number;
  readonly reason: string;
  readonly replicaId: string;
  readonly ops: readonly Op[];
}

export const META_LOCAL = 'local';
/** The replica id alone: written only when it changes (first open, reset), so tabs can watch it cheaply. */
export const META_REPLICA = 'replica';

export async function readLocal(tx: Transaction): Promise<LocalMeta> {
  return (await tx.table('meta').get(META_LOCAL)).value as LocalMeta;
}
export const META_SCHEMA_VERSION = 'schemaVersion';
/** The storage layout this database was last written in (2: heads in document rows). */
export const META_LAYOUT = 'layout';
export const LAYOUT = 2;
/** Set when ops were compacted before any server acknowledged them (a store used without sync). */
export const META_LOCAL_COMPACTED = 'localCompacted';

/** Set once this store has exchanged ops with a server: from then on only server-acknowledged ops are compacted. */
export const META_SYNCED = 'synced';
/** The last compaction horizon the server announced. */
export const META_HORIZON = 'horizon';

export const docTableName = (collection: string) => `c_${collection}`;
/** Whether a table holds heads: a collection's documents, or the `heads` of unknown collections. */
export const holdsHeads = (table: string) => table.startsWith('c_') || table === 'heads';
export const indexKeyName = (index: string) => `x_${index}`;

export interface TrellisDatabase extends Dexie {
  meta: Table<MetaRow, string>;
  ops: Table<OpRow, [string, number]>;
  heads: Table<HeadRow, [string, string]>;
  archives: Table<Archive, string>;
}

function docStoreSpec(def: CollectionDef): string {
  return ['k', ...Object.keys(def.indexes ?? {}).map(indexKeyName)].join(', ');
}

export interface OpenDatabaseOptions {
  readonly name: string;
  readonly schema: Schema;
  readonly indexedDB?: IDBFactory;
  readonly IDBKeyRange?: typeof IDBKeyRange;
}

/** Declares the tables for the schema's version; Dexie adds new tables and indexes on upgrade. */
export function openDatabase(options: OpenDatabaseOptions): TrellisDatabase {
  // Dexie's liveQuery only runs where its global `dependencies.indexedDB` is set; outside
  // browsers (Node tests, SSR) it is unset unless we lend it the injected factory.
  if (options.indexedDB && !Dexie.dependencies.indexedDB) {
    Dexie.dependencies.indexedDB = options.indexedDB;
    if (options.IDBKeyRange) Dexie.dependencies.IDBKeyRange = options.IDBKeyRange;
  }
  const db = new Dexie(options.name, {
    ...(options.indexedDB ? { indexedDB: options.indexedDB } : {}),
    ...(options.IDBKeyRange ? { IDBKeyRange: options.IDBKeyRange } : {}),
    chromeTransactionDurability: 'default',
    // Dexie's live-query cache clones every result it hands out and applies optimistic updates only for
    // single-table writes outside transactions, which Trellis never makes (it announces its own writes,
    // store/optimistic.ts): without it, a query's rows are handed over as read.
    cache: 'disabled',
  }) as TrellisDatabase;
  const stores: Record<string, string> = {
    meta: 'key',
    ops: '[replicaId+seq], serverSeq',
    heads: '[collection+id]',
    archives: 'id, createdAt',
    // files: the bytes of file fields by file id, with their upload state (store/files.ts).
    files: 'id, state',
  };
  const collections = options.schema.definition.collections;
  for (const name of options.schema.collectionNames) {
    stores[docTableName(name)] = docStoreSpec(collections[name] as CollectionDef);
  }
  // files: +0.1 is Trellis's own part of the version (Dexie keeps one decimal): it adds `files` to databases made before it.
  db.version(options.schema.version + 0.1).stores(stores);
  return db;
}

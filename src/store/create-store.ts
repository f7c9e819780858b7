import { Subject, type Observable } from 'rxjs';
import type { IdGenerator, Op } from '../core/index.js';
import { ErrorCode, TrellisError, createId as defaultCreateId, initialClock } from '../core/index.js';
import type { CollectionName, Schema, SchemaDef } from '../schema/index.js';
import { createCollection, type Collection } from './collection.js';
import type { StoreContext } from './context.js';
import { META_LOCAL, META_REPLICA, META_SCHEMA_VERSION, openDatabase, type Archive, type LocalMeta, type TrellisDatabase } from './database.js';
import { exportArchive, reapplyArchive } from './archives.js';
import { compact, type CompactOptions } from './compact.js';
import { createStoreHost, type StoreHost } from './host.js';
import { migrate } from './migrate.js';
import { live } from './query.js';
import { createAnnouncer } from './optimistic.js';
import { createHeadCache } from './head-cache.js';
import { mapStorageError, withWriteScope } from './write.js';
import { checkStorePlugins, extendStore, holdsFile, type StorePlugin, type StorePluginAdds } from './plugin.js';
import { invalidDocuments, type InvalidDocument } from './invalid-documents.js';

export interface CreateStoreOptions<S extends SchemaDef, P extends readonly StorePlugin[] = readonly StorePlugin[]> {
  /** The IndexedDB database name; one store per name. */
  readonly name: string;
  readonly schema: Schema<S>;
  /** Injected for tests and non-browser runtimes (fake-indexeddb). Default: the global ones. */
  readonly indexedDB?: IDBFactory;
  readonly IDBKeyRange?: typeof IDBKeyRange;
  /** Wall clock for op timestamps. Default `Date.now`. */
  readonly now?: () => number;
  /** Id generator for replica and list-item ids. Default nanoid. */
  readonly createId?: IdGenerator;
  /**
   * Opt-in parts, each from its own entry so that an app ships only what it imports: `undo()`
   * ('trellis/undo') adds `store.undo`, `redo` and `undoState`; `files()` ('trellis/files') is
   * needed by a schema with `file` fields (and, passed to createSync too, moves their bytes).
   */
  readonly plugins?: P;
}

/** A Store with what its plugins `P` add (`undo`, `redo`, `undoState` with undo()). */
export type StoreWith<S extends SchemaDef, P extends readonly StorePlugin[]> = Store<S> & StorePluginAdds<P>;

export interface Store<S extends SchemaDef = SchemaDef> {
  readonly name: string;
  readonly schema: Schema<S>;
  /** This replica's ID: created on first open, stable across reopen, new after the database is deleted or reset. */
  readonly replicaId: string;
  /** The collection's API; the same object for the same name. */
  collection<C extends CollectionName<S>>(name: C): Collection<S, C>;
  /** Runs several writes atomically: all commit together, or (when `fn` throws) none. One undo step (undo() plugin). */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  /** Drops ops that are compacted into the documents' baselines (by the server's horizon, or all of them before any sync); documents stay identical. */
  compact(options?: CompactOptions): Promise<{ squashed: number }>;
  /** Change sets forfeited by resets, newest first, live. */
  readonly archives: Observable<Archive[]>;
  /**
   * Documents received from other replicas (sync, a reset's snapshot) whose value this store's schema forbids,
   * live across tabs. They are hidden from get, find and live queries (typed code never sees them) while their ops
   * stay in the op log: a later op that makes one valid, a local put/update that fixes it, a delete, or an app
   * update whose schema accepts it takes it off the list. Each names the collection, id, field path and problem.
   */
  readonly invalidDocuments: Observable<readonly InvalidDocument[]>;
  exportArchive(id: string): Promise<string>;
  reapplyArchive(id: string): Promise<void>;
  close(): Promise<void>;
}

const hosts = new WeakMap<object, StoreHost>();
/** Each store's internals, for the inspector (inspect.ts) only: nothing else reads it, so an app's bundle keeps just this map. */
const contexts = new WeakMap<object, StoreContext>();

/** The internals of a store createStore() made, or undefined (for store/inspect.ts). */
export const storeContextOf = (store: object): StoreContext | undefined => contexts.get(store);

/** The sync plugin's handle on a store (internal to Trellis). */
export function getStoreHost(store: object): StoreHost {
  const host = hosts.get(store);
  if (!host) throw new TrellisError(ErrorCode.INVALID_ARGUMENT, 'Not a Trellis store: pass the object createStore() returned.');
  return host;
}

/** Opens (or creates) a store. Fails with SCHEMA_DOWNGRADE, touching nothing, when the database is newer than `schema`. */
export async function createStore<S extends SchemaDef, const P extends readonly StorePlugin[] = readonly []>(options: CreateStoreOptions<S, P>): Promise<StoreWith<S, P>> {
  if (typeof options?.name !== 'string' || options.name.length === 0) {
    throw new TrellisError(ErrorCode.INVALID_ARGUMENT, 'createStore needs a non-empty `name`.');
  }
  if (!options.schema || !Array.isArray(options.schema.collectionNames)) {
    throw new TrellisError(ErrorCode.INVALID_ARGUMENT, 'createStore needs a `schema` made by defineSchema().');
  }
  const plugins = checkStorePlugins(options.plugins);
  const fileCollection = options.schema.collectionNames.find((name) => holdsFile({ type: 'object', fields: options.schema.definition.collections[name]?.fields ?? {} }));
  if (fileCollection !== undefined && !plugins.some((plugin) => plugin.name === 'files')) {
    throw new TrellisError(
      ErrorCode.INVALID_ARGUMENT,
      `createStore: collection "${fileCollection}" has a file field; pass plugins: [files()] (import { files } from 'trellis/files').`,
    );
  }
  const db = await open(options);
  const localOps = new Subject<readonly Op[]>();
  const ctx: StoreContext = {
    db,
    schema: options.schema as Schema,
    now: options.now ?? Date.now,
    createId: options.createId ?? defaultCreateId,
    tables: db.tables.map((t) => t.name),
    localOps,
    announcer: createAnnouncer(),
    heads: createHeadCache(db),
    closed: false,
  };
  // Before any write (migrations included): a plugin hooks into the write path here.
  const adds = extendStore(ctx, plugins);
  let replicaId: string;
  try {
    replicaId = await initialize(ctx);
    await migrate(ctx);
  } catch (err) {
    ctx.heads.close();
    throw err;
  }
  const collections = new Map<string, unknown>();
  const store: Store<S> = {
    ...adds,
    name: options.name,
    schema: options.schema,
    get replicaId() {
      return replicaId;
    },
    collection: (name) => {
      // One object per name: a React hook's deps (trellis/react useDoc) can hold it across renders.
      let collection = collections.get(name) as Collection<S, typeof name> | undefined;
      if (!collection) collections.set(name, (collection = createCollection<S, typeof name>(ctx, name)));
      return collection;
    },
    transaction: (fn) => withWriteScope(ctx, { undoable: true }, () => fn()),
    compact: (compactOptions) => compact(ctx, compactOptions),
    archives: live(async () => ((await db.table('archives').orderBy('createdAt').reverse().toArray()) as Archive[])),
    invalidDocuments: invalidDocuments(ctx),
    exportArchive: (id) => exportArchive(ctx, id),
    reapplyArchive: (id) => reapplyArchive(ctx, id),
    close: async () => {
      ctx.closed = true;
      watch.unsubscribe();
      ctx.heads.close();
      ctx.files?.close(); // files: revoke object URLs
      localOps.complete();
      db.close();
    },
  };
  const identity = (next: string) => {
    if (next === replicaId) return;
    replicaId = next;
    // The undo history holds the old replica's writes, which the reset archived.
    ctx.undo?.clear();
  };
  // A reset run by another tab (the sync leader) or store instance gives this replica a new identity too.
  const watch = live(async () => (await db.table('meta').get(META_REPLICA))?.value as string | undefined).subscribe((next) => next && identity(next));
  hosts.set(store, createStoreHost(ctx, identity));
  contexts.set(store, ctx);
  return store as StoreWith<S, P>;
}

async function open<S extends SchemaDef>(options: CreateStoreOptions<S>): Promise<TrellisDatabase> {
  const db = openDatabase({ name: options.name, schema: options.schema as Schema, indexedDB: options.indexedDB, IDBKeyRange: options.IDBKeyRange });
  try {
    await db.open();
  } catch (err) {
    db.close();
    const name = (err as { name?: string }).name;
    if (name === 'VersionError' || (err as { inner?: { name?: string } }).inner?.name === 'VersionError') throw downgrade(options.name, options.schema.version, undefined, err);
    throw mapStorageError(err);
  }
  const stored = (await db.table('meta').get(META_SCHEMA_VERSION))?.value as number | undefined;
  if (stored !== undefined && stored > options.schema.version) {
    db.close();
    throw downgrade(options.name, options.schema.version, stored);
  }
  return db;
}

function downgrade(name: string, version: number, stored: number | undefined, cause?: unknown): TrellisError {
  return new TrellisError(
    ErrorCode.SCHEMA_DOWNGRADE,
    `Database "${name}" was written by schema version ${stored ?? 'newer'}, but this app opened it with version ${version}. Ship the newer schema (or delete the database); nothing was changed.`,
    { details: { name, version, stored }, cause },
  );
}

/** Creates the replica identity on first open (and its own meta row, which databases made before it lack). */
async function initialize(ctx: StoreContext): Promise<string> {
  return ctx.db.transaction('rw', ['meta'], async (tx) => {
    const [row, replica] = await tx.table('meta').bulkGet([META_LOCAL, META_REPLICA]);
    let local = row?.value as LocalMeta | undefined;
    if (!local) {
      local = { replicaId: ctx.createId(), seq: 0, ackedSeq: 0, clock: initialClock, createdAt: ctx.now() };
      await tx.table('meta').put({ key: META_LOCAL, value: local });
    }
    if (replica?.value !== local.replicaId) await tx.table('meta').put({ key: META_REPLICA, value: local.replicaId });
    return local.replicaId;
  });
}

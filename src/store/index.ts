/**
 * store: the reactive client database on IndexedDB (Dexie). Owns the tables,
 * collections, live queries, the one write path, transactions, undo,
 * compaction, resets and archives. Imports core, merge and schema; never sync
 * or server. The sync plugin uses only what this file exports.
 *
 *   const store = await createStore({ name: 'app', schema });
 *   await store.collection('todos').put({ id: 'a', title: 'Milk', createdAt: 1 });
 *   store.collection('todos').find({ where: { done: false } }).subscribe(render);
 */
export { createStore, getStoreHost } from './create-store.js';
export type { Store, CreateStoreOptions, StoreWith } from './create-store.js';
export type { StorePlugin, StorePluginAdds } from './plugin.js';
export type { Collection, FindQuery, Condition } from './collection.js';
export type { Archive } from './database.js';
export type { StoreHost } from './host.js';
export type { FileHost, FileRow } from './file-types.js';
// Internal but exported: for trellis/files only (never re-exported by 'trellis'), so that only apps that import it ship file support.
export { extendStoreWithFiles } from './files.js';
export type { SequencedOp } from './remote.js';
export type { RejectedOp } from './roll-back.js';
export type { Snapshot, ResetOptions } from './reset.js';
export type { CompactOptions } from './compact.js';
export type { UndoState, UndoApi } from './undo.js';
// For trellis/undo only (never re-exported by 'trellis').
export { undo } from './undo.js';
export { ARCHIVE_FORMAT } from './archives.js';
export type { InvalidDocument } from './invalid-documents.js';
// Internal but exported: for trellis/devtools only (never re-exported by 'trellis'), see inspect.ts.
export { inspectStore } from './inspect.js';
export type { StoreInspector, InspectedOp, ReplicaInspection, MergeInspection } from './inspect.js';

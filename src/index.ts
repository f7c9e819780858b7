/**
 * 'trellis': the local-first store. Define a schema, open a store, read and
 * write typed documents; add 'trellis/sync' to share a library with others.
 *
 *   import { defineSchema, createStore } from 'trellis';
 *   const store = await createStore({ name: 'app', schema: defineSchema({ version: 1, collections: { ... } }) });
 */
export { createStore } from './store/index.js';
export type {
  Store,
  StoreWith,
  StorePlugin,
  CreateStoreOptions,
  Collection,
  FindQuery,
  Condition,
  Archive,
  CompactOptions,
  UndoState,
  InvalidDocument,
} from './store/index.js';
export { defineSchema } from './schema/index.js';
export type {
  SchemaDef,
  Schema,
  CollectionDef,
  FieldDef,
  FieldsDef,
  FieldType,
  Migration,
  SchemaLike,
  CollectionName,
  DocOf,
  InputOf,
  PatchOf,
  FileField,
  FileRef,
  FileHandle,
  FileState,
} from './schema/index.js';
export { TrellisError, ErrorCode, isTrellisError } from './core/index.js';
export type { Op, Change, Json, JsonObject, Baseline } from './core/index.js';

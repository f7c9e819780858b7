import type { Subject } from 'rxjs';
import type { DocState, IdGenerator, JsonObject, Op } from '../core/index.js';
import { ErrorCode, TrellisError } from '../core/index.js';
import type { Schema, CollectionDef } from '../schema/index.js';
import type { TrellisDatabase } from './database.js';
import type { Announcer } from './optimistic.js';
import type { CachedCounters } from './counters.js';
import type { HeadCache } from './head-cache.js';
import type { FileSupport } from './file-types.js';

/** What one store's internals share. Internal: never exported from 'trellis'. */
export interface StoreContext {
  readonly db: TrellisDatabase;
  readonly schema: Schema;
  readonly now: () => number;
  readonly createId: IdGenerator;
  /** Every table name, the scope of every write transaction. */
  readonly tables: readonly string[];
  /** Ops committed by this store instance (after commit). */
  readonly localOps: Subject<readonly Op[]>;
  /** Local writes announce their documents here before they commit (optimistic live queries). */
  readonly announcer: Announcer;
  /** Heads this instance last wrote or merged, for showing remote writes before they are read (head-cache.ts). */
  readonly heads: HeadCache;
  /** File fields (files.ts), set by the files() plugin from 'trellis/files'; createStore refuses a schema with a file field without it. */
  files?: FileSupport;
  /** The replica's counters as this instance's last write left them (counters.ts). */
  counters?: CachedCounters;
  /** Undo (undo.ts), set by the undo() plugin from 'trellis/undo': without it, writes compute no inverse changes. */
  undo?: UndoHooks;
  closed: boolean;
}

/** What the write path and roll-back tell undo. */
export interface UndoHooks {
  /** The changes that undo `change`, given the document before it (inverse.ts). */
  inverse(change: Op['change'], before: JsonObject | undefined, state: DocState): Op['change'][];
  /** One committed local write (or transaction): its inverse changes, last first. */
  record(group: readonly UndoStep[]): void;
  /** An own op on this document was rolled back (roll-back.ts): undo entries for it were computed from a state that is gone. */
  forget(collection: string, id: string): void;
  /** The replica changed (a reset): its undo history holds the old replica's writes. */
  clear(): void;
}

/** One inverse change, replayed by undo. */
export interface UndoStep {
  readonly collection: string;
  readonly id: string;
  readonly change: Op['change'];
}

/** The collection's definition, or undefined when this schema does not know it (ops from a newer replica may name one). */
export function knownCollection(ctx: StoreContext, collection: string): CollectionDef | undefined {
  return Object.hasOwn(ctx.schema.definition.collections, collection) ? ctx.schema.definition.collections[collection] : undefined;
}

export function collectionDef(ctx: StoreContext, collection: string): CollectionDef {
  const def = knownCollection(ctx, collection);
  if (!def) {
    throw new TrellisError(
      ErrorCode.UNKNOWN_COLLECTION,
      `Unknown collection "${collection}". Use one of: ${ctx.schema.collectionNames.join(', ')}.`,
      { details: { collection } },
    );
  }
  return def;
}

export function assertOpen(ctx: StoreContext): void {
  if (ctx.closed) throw new TrellisError(ErrorCode.STORE_CLOSED, 'The store is closed. Open a new one with createStore().');
}

import type { Subject } from 'rxjs';
import type { Op, IdGenerator } from '../core/index.js';
import { ErrorCode, TrellisError } from '../core/index.js';
import type { Schema, CollectionDef } from '../schema/index.js';
import type { TrellisDatabase } from './database.js';
import type { Announcer } from './optimistic.js';
import type { CachedCounters } from './counters.js';
import type { HeadCache } from './head-cache.js';

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
  /** The replica's counters as this instance's last write left them (counters.ts). */
  counters?: CachedCounters;
  /** Undo entries are pushed here after each committed local write. */
  onCommitted(group: readonly UndoStep[]): void;
  /** An own op on this document was rolled back (roll-back.ts): undo entries for it were computed from a state that is gone. */
  onRolledBack?(collection: string, id: string): void;
  closed: boolean;
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

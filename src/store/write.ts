/**
 * The one write path. Every local change goes through `writeChanges`: it stamps
 * ops (replicaId, next seq, HLC ts), merges them into the documents' heads,
 * validates the resulting documents and commits ops, heads and documents in ONE
 * IndexedDB transaction. Validation happens before anything is written, so bad
 * input changes nothing.
 */
import { Dexie, type Transaction } from 'dexie';
import type { Change, DocState, JsonObject, Op } from '../core/index.js';
import { ErrorCode, TrellisError, formatTimestamp, isTrellisError, tick } from '../core/index.js';
import { applyOps, emptyDocState, materialize } from '../merge/index.js';
import { applyDefaults, assertDocument } from '../schema/index.js';
import { META_LOCAL, docTableName, type DocRow, type HeadRow, type LocalMeta } from './database.js';
import { docRow } from './index-keys.js';
import { assertOpen, collectionDef, type StoreContext, type UndoStep } from './context.js';
import { inverseOf } from './inverse.js';
import { pushTo } from './push-to.js';
import { baselineOf } from './compact.js';
import { assertSyncable } from './syncable.js';

/** Per-transaction state shared by all writes inside one `store.transaction`. */
export interface WriteScope {
  readonly tx: Transaction;
  local: LocalMeta;
  readonly heads: Map<string, DocState | undefined>;
  readonly ops: Op[];
  readonly undo: UndoStep[];
  /** Writes inside one scope run one after another, so each sees the previous one's heads. */
  lock: Promise<void>;
  /**
   * Rows the scope's writes produced, written to IndexedDB together (with the
   * replica's seq counter) when the scope ends. If the transaction dies first
   * (a function passed to store.transaction awaited something other than the
   * store, and IndexedDB committed the idle transaction), nothing was written:
   * never some ops without the counter that allocated their seqs.
   */
  readonly staged: StagedRows;
}

interface StagedRows {
  readonly ops: Op[];
  readonly heads: Map<string, HeadRow>;
  /** Document rows by table, then id; null deletes. */
  readonly docs: Map<string, Map<string, DocRow | null>>;
}

export interface CurrentDoc {
  readonly state: DocState;
  readonly doc: JsonObject | undefined;
}

export interface WriteRequest {
  readonly collection: string;
  readonly id: string;
  /** Turns the document's current state into the changes to record; may throw to refuse. */
  readonly build: (current: CurrentDoc) => readonly Change[];
}

const scopes = new WeakMap<IDBTransaction, WriteScope>();
export const headKey = (collection: string, id: string) => `${collection}\u0000${id}`;

/** Runs `fn` in the ambient store transaction, or in a new one that commits when `fn` resolves. */
export async function withWriteScope<T>(
  ctx: StoreContext,
  options: { undoable: boolean },
  fn: (scope: WriteScope) => Promise<T>,
): Promise<T> {
  assertOpen(ctx);
  const ambient = Dexie.currentTransaction;
  const existing = ambient ? scopes.get(ambient.idbtrans) : undefined;
  if (existing) return fn(existing);
  let scope: WriteScope | undefined;
  let result: T;
  try {
    result = await ctx.db.transaction('rw', ctx.tables as string[], async (tx) => {
      const row = await tx.table('meta').get(META_LOCAL);
      const staged: StagedRows = { ops: [], heads: new Map(), docs: new Map() };
      scope = { tx, local: row.value as LocalMeta, heads: new Map(), ops: [], undo: [], lock: Promise.resolve(), staged };
      scopes.set(tx.idbtrans, scope);
      const value = await fn(scope);
      await scope.lock;
      await flushWrites(scope);
      if (scope.ops.length > 0) await tx.table('meta').put({ key: META_LOCAL, value: scope.local });
      return value;
    });
  } catch (err) {
    throw closedEarly(err) ?? mapStorageError(err);
  }
  const done = scope as WriteScope;
  if (done.ops.length > 0) ctx.localOps.next(done.ops);
  if (options.undoable && done.undo.length > 0) ctx.onCommitted(done.undo.slice().reverse());
  return result;
}

/** Records the changes built by each request as local ops. Returns the ops. */
export async function writeChanges(
  ctx: StoreContext,
  requests: readonly WriteRequest[],
  options: { undoable: boolean } = { undoable: true },
): Promise<readonly Op[]> {
  return withWriteScope(ctx, options, (scope) => writeChangesIn(ctx, scope, requests));
}

/** The same, inside a scope the caller opened. */
export function writeChangesIn(ctx: StoreContext, scope: WriteScope, requests: readonly WriteRequest[]): Promise<Op[]> {
  return serialize(scope, () => commitRequests(ctx, scope, requests));
}

async function serialize<T>(scope: WriteScope, fn: () => Promise<T>): Promise<T> {
  const previous = scope.lock;
  let release!: () => void;
  scope.lock = new Promise<void>((resolve) => (release = resolve));
  await previous;
  try {
    return await fn();
  } finally {
    release();
  }
}

async function commitRequests(ctx: StoreContext, scope: WriteScope, requests: readonly WriteRequest[]): Promise<Op[]> {
  await loadHeads(scope, requests);
  const staged = stageRequests(ctx, scope, requests);
  scope.staged.ops.push(...staged.ops);
  for (const head of staged.heads) scope.staged.heads.set(headKey(head.collection, head.id), head);
  for (const [table, rows] of staged.puts) for (const row of rows) docsOf(scope, table).set(row.k, row);
  for (const [table, keys] of staged.deletes) for (const key of keys) docsOf(scope, table).set(key, null);
  for (const head of staged.heads) scope.heads.set(headKey(head.collection, head.id), head.state);
  scope.local = staged.local;
  scope.ops.push(...staged.ops);
  scope.undo.push(...staged.undo);
  return staged.ops;
}

function docsOf(scope: WriteScope, table: string): Map<string, DocRow | null> {
  let rows = scope.staged.docs.get(table);
  if (rows === undefined) scope.staged.docs.set(table, (rows = new Map()));
  return rows;
}

/** Writes the scope's staged rows into its transaction (at its end, or before reading tables it wrote). */
export async function flushWrites(scope: WriteScope): Promise<void> {
  const { tx, staged } = scope;
  if (staged.ops.length > 0) await tx.table('ops').bulkAdd(staged.ops.splice(0));
  if (staged.heads.size > 0) await tx.table('heads').bulkPut([...staged.heads.values()]);
  staged.heads.clear();
  for (const [table, rows] of staged.docs) {
    const puts = [...rows.values()].filter((row): row is DocRow => row !== null);
    const deletes = [...rows].flatMap(([key, row]) => (row === null ? [key] : []));
    if (puts.length > 0) await tx.table(table).bulkPut(puts);
    if (deletes.length > 0) await tx.table(table).bulkDelete(deletes);
  }
  staged.docs.clear();
}

/** The transaction ended before the scope did: say what happened (nothing was written) and what to do. */
function closedEarly(err: unknown): TrellisError | undefined {
  const names = [(err as { name?: string })?.name, (err as { inner?: { name?: string } })?.inner?.name];
  if (!names.some((name) => name === 'TransactionInactiveError' || name === 'PrematureCommitError')) return undefined;
  return new TrellisError(
    ErrorCode.STORAGE_FAILED,
    'The transaction closed before its function finished, so nothing was written. Inside store.transaction, await only store calls (no fetch, timers or live queries).',
    { cause: err },
  );
}

/** Pure part of a write: stamps and merges in memory, validates; throws before anything is written. */
function stageRequests(ctx: StoreContext, scope: WriteScope, requests: readonly WriteRequest[]) {
  let local = scope.local;
  const ops: Op[] = [];
  const undo: UndoStep[] = [];
  const heads: HeadRow[] = [];
  const puts = new Map<string, DocRow[]>();
  const deletes = new Map<string, string[]>();
  const states = new Map<string, DocState>();
  for (const { collection, id, build } of requests) {
    const def = collectionDef(ctx, collection);
    const key = headKey(collection, id);
    let state = states.get(key) ?? scope.heads.get(key) ?? emptyDocState;
    let doc = materialize(state);
    for (const change of build({ state, doc })) {
      const clock = tick(local.clock, ctx.now());
      local = { ...local, clock, seq: local.seq + 1 };
      const op: Op = { replicaId: local.replicaId, seq: local.seq, ts: formatTimestamp(clock), collection, id, change };
      assertSyncable(op);
      for (const inverse of inverseOf(change, doc, state).reverse()) undo.push({ collection, id, change: inverse });
      state = applyOps(state, [op]);
      doc = materialize(state);
      ops.push(op);
    }
    states.set(key, state);
    const table = docTableName(collection);
    if (doc === undefined) {
      pushTo(deletes, table, id);
    } else {
      const full = applyDefaults(def.fields, doc);
      assertDocument(def.fields, full, { collection });
      pushTo(puts, table, docRow(def, id, full));
    }
  }
  for (const [key, state] of states) {
    // A write that recorded nothing (deleting a missing document) leaves no head: heads double as
    // seed baselines, and one without a last write has no valid replicaId or ts on the wire.
    if (state.entries.length === 0) continue;
    const [collection, id] = key.split('\u0000') as [string, string];
    heads.push(baselineOf(collection, id, state));
  }
  return { local, ops, undo, heads, puts, deletes };
}

async function loadHeads(scope: WriteScope, requests: readonly { collection: string; id: string }[]): Promise<void> {
  const missing = requests.filter((r) => !scope.heads.has(headKey(r.collection, r.id)));
  if (missing.length === 0) return;
  const rows = (await scope.tx.table('heads').bulkGet(missing.map((r) => [r.collection, r.id]))) as (HeadRow | undefined)[];
  missing.forEach((r, i) => scope.heads.set(headKey(r.collection, r.id), rows[i]?.state));
}

/** IndexedDB and Dexie failures become STORAGE_FAILED with the original as `cause`; our own errors pass through. */
export function mapStorageError(err: unknown): unknown {
  if (isTrellisError(err)) return err;
  if (err instanceof Dexie.DexieError || (typeof DOMException !== 'undefined' && err instanceof DOMException)) {
    const e = err as Error;
    return new TrellisError(ErrorCode.STORAGE_FAILED, `IndexedDB failed (${e.name}): ${e.message}`, { cause: err });
  }
  return err;
}


/**
 * The one write path. Every local change goes through `writeChanges`: it stamps
 * ops (replicaId, next seq, HLC ts), merges them into the documents' heads,
 * validates the resulting documents and commits ops, heads and documents in ONE
 * IndexedDB transaction. Validation happens before anything is written, so bad
 * input changes nothing.
 */
import { Dexie, type Transaction } from 'dexie';
import type { Change, DocState, JsonObject, Op } from '../core/index.js';
import { ErrorCode, TrellisError, formatTimestamp, tick } from '../core/index.js';
import { applyOps, emptyDocState, materialize } from '../merge/index.js';
import { applyDefaults, assertDocument } from '../schema/index.js';
import { docTableName, type LocalMeta } from './database.js';
import { assertOpen, collectionDef, knownCollection, type StoreContext, type UndoStep } from './context.js';
import { readHeads, writeHeads, type HeadWrite, type LoadedHead } from './heads.js';
import { assertSyncable } from './syncable.js';
import { headKey } from './head-key.js';
import type { FileRow } from './file-types.js';
import { Mutations, ownTransaction, putRows } from './idb.js';
import { readCounters } from './counters.js';
import { rowsOf } from './op-log.js';
import { mapStorageError } from './map-storage-error.js';

export { mapStorageError } from './map-storage-error.js';

/** Per-transaction state shared by all writes inside one transaction (a `store.transaction`, or one write's own). */
export interface WriteScope {
  /** The IndexedDB transaction the write path's requests go to (idb.ts). */
  readonly idb: IDBTransaction;
  /** The replica's counters (counters.ts), read with the scope's first heads (one round trip for both). */
  local?: LocalMeta;
  /** Whether the store instance's cached counters may be used: only where a collision can be retried (`writeAlone`). */
  readonly trustCached: boolean;
  /** Heads as this scope sees them: read once, then updated by each write. */
  readonly heads: Map<string, LoadedHead>;
  readonly ops: Op[];
  readonly undo: UndoStep[];
  /** Writes inside one scope run one after another, so each sees the previous one's heads. */
  lock: Promise<void>;
  /** Collections whose live queries were shown this scope's writes before commit (withdrawn if it fails). */
  readonly announced: Set<string>;
  /** What the scope's own requests wrote, for Dexie's live queries once it commits (idb.ts). */
  readonly mutations: Mutations;
  /**
   * Rows the scope's writes produced, written to IndexedDB together when the
   * scope ends (its ops as runs, op-log.ts). If the transaction dies first
   * (a function passed to store.transaction awaited something other than the
   * store, and IndexedDB committed the idle transaction), nothing was written.
   */
  readonly staged: StagedRows;
}

interface StagedRows {
  readonly ops: Op[];
  /** The documents written, by head key. */
  readonly docs: Map<string, HeadWrite>;
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
  /** files: the bytes of the write's file fields (files.ts extractFiles), stored with it. */
  readonly files?: readonly FileRow[];
}

/** A scope opened through Dexie (store.transaction, undo, migrations), whose callers may use Dexie's tables too. */
export interface DexieWriteScope extends WriteScope {
  readonly tx: Transaction;
}

const scopes = new WeakMap<IDBTransaction, DexieWriteScope>();

function newScope<S extends WriteScope>(transactions: Pick<S, 'idb' | 'mutations' | 'trustCached'> & Omit<S, keyof WriteScope>): S {
  return {
    ...transactions,
    heads: new Map(),
    ops: [],
    undo: [],
    lock: Promise.resolve(),
    announced: new Set(),
    staged: { ops: [], docs: new Map() },
  } as WriteScope as S;
}
export { headKey } from './head-key.js';

/** Runs `fn` in the ambient store transaction, or in a new one that commits when `fn` resolves. */
export async function withWriteScope<T>(
  ctx: StoreContext,
  options: { undoable: boolean; tables?: readonly string[] },
  fn: (scope: DexieWriteScope) => Promise<T>,
): Promise<T> {
  assertOpen(ctx);
  const ambient = Dexie.currentTransaction;
  const existing = ambient ? scopes.get(ambient.idbtrans) : undefined;
  if (existing) return fn(existing);
  let scope: DexieWriteScope | undefined;
  let result: T;
  try {
    // A transaction over fewer object stores starts and commits measurably faster in Chromium.
    result = await ctx.db.transaction('rw', (options.tables ?? ctx.tables) as string[], async (tx) => {
      scope = newScope<DexieWriteScope>({ idb: tx.idbtrans, tx, mutations: new Mutations(ctx.db), trustCached: false });
      scopes.set(tx.idbtrans, scope);
      const value = await fn(scope);
      await scope.lock;
      await flushWrites(ctx, scope);
      return value;
    });
  } catch (err) {
    if (scope && scope.announced.size > 0) withdraw(ctx, scope.announced);
    throw closedEarly(err) ?? mapStorageError(err);
  }
  (scope as WriteScope).mutations.announce();
  committed(ctx, scope as WriteScope, options);
  return result;
}

/** What follows a scope's commit (once live queries learned of it): sync sees the ops, undo records the step. */
function committed(ctx: StoreContext, scope: WriteScope, options: { undoable: boolean }): void {
  const local = scope.local;
  if (local && scope.ops.length > 0) ctx.counters = { replicaId: local.replicaId, seq: local.seq, clock: local.clock };
  if (scope.ops.length > 0) ctx.localOps.next(scope.ops);
  if (options.undoable && scope.undo.length > 0) ctx.undo?.record(scope.undo.slice().reverse());
}

/** Records the changes built by each request as local ops. Returns the ops. */
export async function writeChanges(
  ctx: StoreContext,
  requests: readonly WriteRequest[],
  options: { undoable: boolean } = { undoable: true },
): Promise<readonly Op[]> {
  assertOpen(ctx);
  const tables = tablesFor(ctx, requests);
  if (!Dexie.currentTransaction) return writeAlone(ctx, tables, options, requests);
  // Inside store.transaction.
  return withWriteScope(ctx, { ...options, tables }, (scope) => writeChangesIn(ctx, scope, requests));
}

/**
 * A write in a transaction of its own (idb.ts `ownTransaction`): nothing but
 * the write path's own requests runs in it, so it can be retried.
 */
async function writeAlone(ctx: StoreContext, tables: readonly string[], options: { undoable: boolean }, requests: readonly WriteRequest[]): Promise<readonly Op[]> {
  for (let attempt = 1; ; attempt++) {
    let staged: WriteScope | undefined;
    try {
      const scope = await ownTransaction(ctx.db, tables, async (idb, mutations) => {
        staged = newScope<WriteScope>({ idb, mutations, trustCached: true });
        await commitRequests(ctx, staged, requests);
        // Every write is issued by the time flushWrites returns; the transaction commits without waiting to hear each succeeded.
        flushWrites(ctx, staged).catch(() => undefined);
        return staged;
      });
      committed(ctx, scope, options);
      return scope.ops;
    } catch (err) {
      const announced = (staged as WriteScope | undefined)?.announced;
      if (announced && announced.size > 0) withdraw(ctx, announced);
      // Another tab or instance of this replica took the seq (counters.ts): read the counters from the log and write again.
      if ((err as { name?: string } | null)?.name === 'ConstraintError' && attempt < 3) {
        ctx.counters = undefined;
        continue;
      }
      throw mapStorageError(err);
    }
  }
}

/** The object stores a write of these requests touches (store.transaction, whose writes are not known ahead, takes them all). */
function tablesFor(ctx: StoreContext, requests: readonly WriteRequest[]): readonly string[] {
  const tables = new Set(['meta', 'ops']);
  for (const request of requests) {
    // An unknown collection is refused with its own error once the write runs.
    if (!knownCollection(ctx, request.collection)) return ctx.tables;
    tables.add(docTableName(request.collection));
    if (request.files && request.files.length > 0) tables.add('files'); // files:
  }
  return [...tables];
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
  const [local] = await Promise.all([scope.local ?? readCounters(scope.idb, ctx.counters, scope.trustCached), loadHeads(ctx, scope, requests)]);
  scope.local = local;
  const staged = stageRequests(ctx, scope, local, requests);
  for (const request of requests) ctx.files?.stage(scope, request.files); // files:
  for (const write of staged.writes) {
    const key = headKey(write.collection, write.id);
    scope.staged.docs.set(key, write);
    scope.heads.set(key, { state: write.state, inHeads: write.inHeads });
  }
  scope.staged.ops.push(...staged.ops);
  scope.local = staged.local;
  scope.ops.push(...staged.ops);
  scope.undo.push(...staged.undo);
  return staged.ops;
}

/**
 * Writes the scope's staged rows into its transaction (at its end, or before
 * reading tables it wrote), all requests at once: every request is issued
 * before this returns its promise.
 */
export async function flushWrites(ctx: StoreContext, scope: WriteScope): Promise<void> {
  const { idb: tx, staged, mutations } = scope;
  const requests: Promise<unknown>[] = ctx.files ? [ctx.files.flush(scope)] : []; // files:
  if (staged.ops.length > 0) requests.push(putRows(tx, mutations, 'ops', rowsOf(staged.ops.splice(0)), 'add'));
  const writes = [...staged.docs.values()];
  staged.docs.clear();
  if (writes.length > 0) requests.push(writeHeads(ctx, tx, writes, mutations));
  for (const write of writes) {
    // Once written, a document's head is in its row (only unknown collections keep theirs in `heads`, and no local write reaches those).
    scope.heads.set(headKey(write.collection, write.id), { state: write.state, inHeads: false });
    scope.announced.add(write.collection);
  }
  ctx.heads.remember(writes.map((w) => ({ key: headKey(w.collection, w.id), state: w.state })));
  // Live queries show the writes now, not after the commit; outside the transaction, so subscribers' own reads and writes do not join it.
  if (writes.length > 0) Dexie.ignoreTransaction(() => ctx.announcer.announce(writes));
  await Promise.all(requests);
}

/** Writes shown before they committed failed: live queries go back to what IndexedDB holds, and the heads they left are forgotten. */
export function withdraw(ctx: StoreContext, collections: ReadonlySet<string>): void {
  ctx.heads.clear();
  ctx.announcer.withdraw(collections);
}

/** The transaction ended before the scope did: say what happened (nothing was written) and what to do. */
function closedEarly(err: unknown): TrellisError | undefined {
  const names = [(err as { name?: string })?.name, (err as { inner?: { name?: string } })?.inner?.name];
  // InvalidStateError: the write path's own requests (idb.ts) asked a finished transaction for a store.
  if (!names.some((name) => name === 'TransactionInactiveError' || name === 'PrematureCommitError' || name === 'InvalidStateError')) return undefined;
  return new TrellisError(
    ErrorCode.STORAGE_FAILED,
    'The transaction closed before its function finished, so nothing was written. Inside store.transaction, await only store calls (no fetch, timers or live queries).',
    { cause: err },
  );
}

/** Pure part of a write: stamps and merges in memory, validates; throws before anything is written. */
function stageRequests(ctx: StoreContext, scope: WriteScope, start: LocalMeta, requests: readonly WriteRequest[]) {
  let local = start;
  const ops: Op[] = [];
  const undo: UndoStep[] = [];
  const writes = new Map<string, HeadWrite>();
  for (const { collection, id, build } of requests) {
    const def = collectionDef(ctx, collection);
    const key = headKey(collection, id);
    const loaded = scope.heads.get(key);
    let state = writes.get(key)?.state ?? loaded?.state ?? emptyDocState;
    let doc = materialize(state);
    for (const change of build({ state, doc })) {
      const clock = tick(local.clock, ctx.now());
      local = { ...local, clock, seq: local.seq + 1 };
      const op: Op = { replicaId: local.replicaId, seq: local.seq, ts: formatTimestamp(clock), collection, id, change };
      assertSyncable(op);
      if (ctx.undo) for (const inverse of ctx.undo.inverse(change, doc, state).reverse()) undo.push({ collection, id, change: inverse });
      state = applyOps(state, [op]);
      // A put that is all the state (the usual new or replaced document) materializes to its own value.
      doc = change.kind === 'put' && state.entries.length === 1 ? change.value : materialize(state);
      ops.push(op);
    }
    let full: JsonObject | undefined;
    if (doc !== undefined) {
      full = applyDefaults(def.fields, doc);
      assertDocument(def.fields, full, { collection });
    }
    writes.set(key, { collection, id, state, doc: full, inHeads: loaded?.inHeads ?? false });
  }
  return { local, ops, undo, writes: [...writes.values()] };
}

async function loadHeads(ctx: StoreContext, scope: WriteScope, requests: readonly { collection: string; id: string }[]): Promise<void> {
  const missing = requests.filter((r) => !scope.heads.has(headKey(r.collection, r.id)));
  if (missing.length === 0) return;
  const loaded = await readHeads(ctx, scope.idb, missing.map((r) => [r.collection, r.id] as const));
  missing.forEach((r, i) => scope.heads.set(headKey(r.collection, r.id), loaded[i] as LoadedHead));
}

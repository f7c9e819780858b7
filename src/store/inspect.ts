/**
 * Read-only views of a store's internals for trellis/devtools: the op log's
 * tail, the replica's counters and meta rows, and one document's merge
 * state. Internal but exported (store/index.ts, reached by src/devtools/):
 * nothing in 'trellis' or 'trellis/sync' imports this file, so an app that
 * never imports devtools ships none of it (create-store.ts keeps only the
 * map of contexts). Every read here is a read transaction: inspecting never
 * changes what it shows.
 */
import type { Observable } from 'rxjs';
import type { DocState, JsonObject, Op } from '../core/index.js';
import { ErrorCode, TrellisError } from '../core/index.js';
import { knownCollection, type StoreContext } from './context.js';
import { storeContextOf } from './create-store.js';
import { docTableName, META_HORIZON, readLocal, type DocRow, type HeadRow } from './database.js';
import { rowHead } from './heads.js';
import { lastOf, opsOf, type OpLogRow } from './op-log.js';
import { live } from './query.js';

/** One op of the log, with where it stands. */
export interface InspectedOp {
  readonly op: Op;
  /** The server seq the log records for it (a run records only its last op's); undefined while only this replica has it. */
  readonly serverSeq?: number;
  /** The server holds it: received from it, or (an own op) acknowledged by it. */
  readonly onServer: boolean;
}

/** This replica's identity and counters, and every meta row the store keeps (sync's cursors among them). */
export interface ReplicaInspection {
  readonly replicaId: string;
  /** The highest own seq allocated. */
  readonly seq: number;
  /** The highest own seq the server acknowledged. */
  readonly ackedSeq: number;
  /** The last compaction horizon the server announced (a server seq), if any. */
  readonly horizon?: number;
  /** Meta rows by key (`local`, `replica`, `horizon`, sync's `sync:<library>` cursors, ...). */
  readonly meta: Readonly<Record<string, unknown>>;
}

/** One document's merge state: what it shows, its head, and the ops of the log that wrote it. */
export interface MergeInspection {
  readonly collection: string;
  readonly id: string;
  /** The materialized document; undefined when deleted or never written. */
  readonly document?: JsonObject;
  /** Every write that still matters, merged, in stamp order; undefined when this replica holds nothing of it. */
  readonly head?: DocState;
  /** The entries of `head` whose op the log no longer holds: compacted into the document's baseline. */
  readonly compacted: number;
  /** The log's ops of this document, oldest first (compacted ones are gone). */
  readonly ops: readonly InspectedOp[];
}

export interface StoreInspector {
  /** The log's newest ops (at most `limit`, default 50), live: server order first, then what only this replica has. */
  opLogTail(limit?: number): Observable<InspectedOp[]>;
  /** Identity, counters and meta rows, live. */
  readonly replica: Observable<ReplicaInspection>;
  /** One document's merge state (read once; it scans the log, so ask on request). */
  mergeState(collection: string, id: string): Promise<MergeInspection>;
}

/** The inspector of a store createStore() made. Throws INVALID_ARGUMENT for anything else. */
export function inspectStore(store: object): StoreInspector {
  const ctx = storeContextOf(store);
  if (!ctx) throw new TrellisError(ErrorCode.INVALID_ARGUMENT, 'inspectStore needs the object createStore() returned.');
  return {
    opLogTail: (limit = 50) => {
      if (!Number.isSafeInteger(limit) || limit < 1) throw new TrellisError(ErrorCode.INVALID_ARGUMENT, 'opLogTail: `limit` must be a positive integer.');
      return live(() => readTail(ctx, limit));
    },
    replica: live(() => readReplica(ctx)),
    mergeState: (collection, id) => {
      if (typeof collection !== 'string' || collection === '' || typeof id !== 'string' || id === '') {
        return Promise.reject(new TrellisError(ErrorCode.INVALID_ARGUMENT, 'mergeState needs a collection name and a document id (non-empty strings).'));
      }
      return readMergeState(ctx, collection, id);
    },
  };
}

/** Marks a row's ops: a run's server seq is its last op's, and the server holds all of a run once it has the last. */
function inspected(row: OpLogRow, own: { replicaId: string; ackedSeq: number }): InspectedOp[] {
  const ops = opsOf(row);
  const rowSeq = (row as { serverSeq?: number }).serverSeq;
  return ops.map((op, i) => ({
    op: withoutServerSeq(op),
    serverSeq: i === ops.length - 1 ? rowSeq : undefined,
    onServer: rowSeq !== undefined || op.replicaId !== own.replicaId || op.seq <= own.ackedSeq,
  }));
}

function withoutServerSeq(op: Op & { serverSeq?: number }): Op {
  const { serverSeq: _stored, ...rest } = op;
  return rest;
}

async function readTail(ctx: StoreContext, limit: number): Promise<InspectedOp[]> {
  return ctx.db.transaction('r', ['meta', 'ops'], async (tx) => {
    const local = await readLocal(tx);
    // Each row holds at least one op: `limit` rows of each end are enough.
    const [acknowledged, own] = await Promise.all([
      tx.table('ops').orderBy('serverSeq').reverse().limit(limit).toArray() as Promise<OpLogRow[]>,
      // From seq 0, not ackedSeq + 1: a run whose first ops are acknowledged has no server seq until its last one is, and is keyed by its first.
      tx.table('ops').where('[replicaId+seq]').between([local.replicaId, 0], [local.replicaId, Infinity]).reverse().limit(limit).toArray() as Promise<OpLogRow[]>,
    ]);
    const onServer = acknowledged.reverse().flatMap((row) => inspected(row, local));
    // An own row the server acknowledged is in both reads; the server-ordered copy is kept.
    const rest = own.reverse().filter((row) => (row as { serverSeq?: number }).serverSeq === undefined).flatMap((row) => inspected(row, local));
    return [...onServer, ...rest].slice(-limit);
  });
}

async function readReplica(ctx: StoreContext): Promise<ReplicaInspection> {
  return ctx.db.transaction('r', ['meta', 'ops'], async (tx) => {
    const local = await readLocal(tx);
    // A write leaves `local.seq` behind: its op row is the record (counters.ts). Read through Dexie, so the live query sees writes.
    const last = (await tx.table('ops').where('[replicaId+seq]').between([local.replicaId, 0], [local.replicaId, Infinity]).last()) as OpLogRow | undefined;
    const seq = Math.max(local.seq, last ? lastOf(last).seq : 0);
    const rows = (await tx.table('meta').toArray()) as { key: string; value: unknown }[];
    const meta = Object.fromEntries(rows.map((row) => [row.key, row.value]));
    const horizon = meta[META_HORIZON];
    return { replicaId: local.replicaId, seq, ackedSeq: local.ackedSeq, horizon: typeof horizon === 'number' ? horizon : undefined, meta };
  });
}

async function readMergeState(ctx: StoreContext, collection: string, id: string): Promise<MergeInspection> {
  const known = knownCollection(ctx, collection) !== undefined;
  const table = known ? docTableName(collection) : 'heads';
  return ctx.db.transaction('r', ['meta', 'ops', table], async (tx) => {
    const local = await readLocal(tx);
    let head: DocState | undefined;
    let document: JsonObject | undefined;
    if (known) {
      const row = (await tx.table(table).get(id)) as DocRow | undefined;
      // Rows of the first layout have no `h` (migrate.ts moves them on open); none is left after open.
      head = row?.h ? rowHead(row) : undefined;
      document = row?.d;
    } else {
      head = ((await tx.table('heads').get([collection, id])) as HeadRow | undefined)?.state;
    }
    const ops: InspectedOp[] = [];
    await tx.table('ops').each((row: OpLogRow) => {
      for (const entry of inspected(row, local)) if (entry.op.collection === collection && entry.op.id === id) ops.push(entry);
    });
    ops.sort((a, b) => (a.op.ts + a.op.replicaId < b.op.ts + b.op.replicaId ? -1 : a.op.ts + a.op.replicaId > b.op.ts + b.op.replicaId ? 1 : a.op.seq - b.op.seq));
    const inLog = new Set(ops.map(({ op }) => `${op.ts}${op.replicaId}#${op.seq}`));
    const compacted = head?.entries.filter((entry) => !inLog.has(`${entry.stamp}#${entry.seq}`)).length ?? 0;
    return { collection, id, document, head, compacted, ops };
  });
}

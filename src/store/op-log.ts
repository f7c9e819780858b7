/**
 * The op log's rows. A row is one op, or a run: the consecutive ops of this
 * replica that one transaction wrote, in one row keyed like its first op
 * (`[replicaId, seq of the first]`). IndexedDB's cost is per request far more
 * than per byte, so a transaction of many writes (a bulk import) costs one
 * request per document row instead of two (measured in Chromium: 10,000 ops as
 * rows cost about as much as the 10,000 documents themselves).
 *
 * A run's `serverSeq` is its last op's, set once the server acknowledged that
 * one (and so all of them): compaction drops a run whole. Every reader of the
 * log goes through this module, which reads rows and hands out ops.
 *
 * Own ops in the log are always one contiguous range of seqs: seqs are given
 * out one after another, and only a prefix is ever removed (acknowledged ops
 * by compaction, or everything by a compaction before any sync).
 */
import { Dexie, type Transaction } from 'dexie';
import type { Op } from '../core/index.js';
import type { OpRow } from './database.js';
import { objectStore, settle, type AnyTransaction } from './idb.js';

/** Consecutive ops of one replica, stored as one row. */
export interface OpRun {
  readonly replicaId: string;
  /** The first op's seq (the key). */
  readonly seq: number;
  readonly ops: readonly Op[];
  /** The last op's server seq, once the server has it. */
  readonly serverSeq?: number;
}

export type OpLogRow = OpRow | OpRun;

/** The most ops one run holds: the rows a reader of the log's end deserializes stay small. */
const RUN_MAX = 256;

function isRun(row: OpLogRow): row is OpRun {
  return 'ops' in row;
}

/** The ops a row holds, in seq order (a run's ops carry no server seq of their own). */
export function opsOf(row: OpLogRow): readonly OpRow[] {
  return isRun(row) ? row.ops : [row];
}

export function lastOf(row: OpLogRow): OpRow {
  return isRun(row) ? (row.ops.at(-1) as Op) : row;
}

/** The rows that store these ops (one replica's, consecutive, as a transaction's local writes are). */
export function rowsOf(ops: readonly Op[]): OpLogRow[] {
  if (ops.length === 1) return [ops[0] as Op];
  const rows: OpLogRow[] = [];
  for (let i = 0; i < ops.length; i += RUN_MAX) {
    const run = ops.slice(i, i + RUN_MAX);
    rows.push(run.length === 1 ? (run[0] as Op) : { replicaId: (run[0] as Op).replicaId, seq: (run[0] as Op).seq, ops: run });
  }
  return rows;
}

const ownRange = (replicaId: string, from: number, to: number) => Dexie.dependencies.IDBKeyRange.bound([replicaId, from], [replicaId, to]);

/** The row holding `replicaId`'s op `seq`, if the log has it (native requests). */
export async function rowHolding(tx: AnyTransaction, replicaId: string, seq: number): Promise<OpLogRow | undefined> {
  const cursor = await settle(objectStore(tx, 'ops').openCursor(ownRange(replicaId, 0, seq), 'prev'));
  const row = cursor?.value as OpLogRow | undefined;
  return row !== undefined && lastOf(row).seq >= seq ? row : undefined;
}

/** `replicaId`'s last op in the log (native requests). */
export async function lastOpOf(tx: AnyTransaction, replicaId: string): Promise<Op | undefined> {
  const cursor = await settle(objectStore(tx, 'ops').openCursor(ownRange(replicaId, 0, Infinity), 'prev'));
  return cursor ? lastOf(cursor.value as OpLogRow) : undefined;
}

const ownRows = (tx: Transaction, replicaId: string, from: number, to: number) =>
  tx.table('ops').where('[replicaId+seq]').between([replicaId, from], [replicaId, to], true, true);

/** `replicaId`'s ops after `after`, in seq order, at most `limit` (Dexie reads, so a live query can watch them). */
export async function opsAfter(tx: Transaction, replicaId: string, after: number, limit = Infinity): Promise<OpRow[]> {
  // A run that starts at or before `after` may hold ops after it.
  const [straddling, rows] = await Promise.all([
    after > 0 ? (ownRows(tx, replicaId, 0, after).last() as Promise<OpLogRow | undefined>) : undefined,
    // Each row holds at least one op: `limit` rows are enough.
    (Number.isFinite(limit) ? ownRows(tx, replicaId, after + 1, Infinity).limit(limit) : ownRows(tx, replicaId, after + 1, Infinity)).toArray() as Promise<OpLogRow[]>,
  ]);
  const ops: OpRow[] = [];
  for (const row of straddling ? [straddling, ...rows] : rows) {
    for (const op of opsOf(row)) {
      if (op.seq <= after) continue;
      if (ops.length >= limit) return ops;
      ops.push(op);
    }
  }
  return ops;
}

/** How many of `replicaId`'s ops after `after` the log holds, reading only its first key and last row (a live query's). */
export async function countAfter(tx: Transaction, replicaId: string, after: number): Promise<number> {
  const [firstKey, last] = await Promise.all([
    ownRows(tx, replicaId, 0, Infinity).limit(1).primaryKeys() as Promise<[string, number][]>,
    ownRows(tx, replicaId, 0, Infinity).last() as Promise<OpLogRow | undefined>,
  ]);
  if (!last || !firstKey[0]) return 0;
  // Own ops in the log are one contiguous range (see above).
  return Math.max(0, lastOf(last).seq - Math.max(after, firstKey[0][1] - 1));
}

/**
 * The server stored `replicaId`'s ops fromSeq..toSeq with consecutive server
 * seqs from `first`: the rows whose last op is among them, each with that
 * op's server seq, to be put back (native requests).
 */
export async function acknowledgedRows(tx: AnyTransaction, replicaId: string, ack: { fromSeq: number; toSeq: number }, first: number): Promise<OpLogRow[]> {
  const store = objectStore(tx, 'ops');
  // A run that starts before fromSeq may end among them.
  const [straddling, rows] = await Promise.all([
    ack.fromSeq > 1 ? settle(store.openCursor(ownRange(replicaId, 0, ack.fromSeq - 1), 'prev')).then((cursor) => cursor?.value as OpLogRow | undefined) : undefined,
    settle(store.getAll(ownRange(replicaId, ack.fromSeq, ack.toSeq))) as Promise<OpLogRow[]>,
  ]);
  return (straddling ? [straddling, ...rows] : rows).flatMap((row) => {
    const last = lastOf(row).seq;
    return last >= ack.fromSeq && last <= ack.toSeq ? [{ ...row, serverSeq: first + (last - ack.fromSeq) }] : [];
  });
}

/** Every op in the log. */
export async function allOps(tx: Transaction): Promise<OpRow[]> {
  return ((await tx.table('ops').toArray()) as OpLogRow[]).flatMap((row) => opsOf(row));
}

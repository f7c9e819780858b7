/**
 * Rolling back an own op the server rejected (its schema or a write rule said
 * no): the op leaves the log, and its document becomes what the server says
 * it holds now plus this replica's own ops the server has not handled yet,
 * so later local writes to the document stay applied. One transaction, with
 * the acknowledged seq moved past the op (the server counts its seq as used).
 */
import type { Transaction } from 'dexie';
import type { DocState, Op } from '../core/index.js';
import { stampOf } from '../core/index.js';
import { applyOps } from '../merge/index.js';
import type { StoreContext } from './context.js';
import { knownCollection } from './context.js';
import { META_LOCAL, docTableName, type LocalMeta } from './database.js';
import { exactCounters } from './counters.js';
import { headWrite, readHeads, writeHeads, type HeadWrite } from './heads.js';
import { opsAfter, opsOf, rowHolding, rowsOf, type OpLogRow } from './op-log.js';
import { stripServerSeq } from './compact.js';
import { mapStorageError } from './write.js';
import { assertNotPastLocalSeq } from './past-local-seq.js';
import { Dexie } from 'dexie';

export interface RejectedOp {
  readonly seq: number;
  readonly collection: string;
  readonly id: string;
  /** The document as the server holds it now; absent when it did not fit in the server's frame. */
  readonly state?: DocState;
}

/** Rolls the op back; false when the log no longer holds it (already rolled back, or another replica id now). */
export async function rollBack(ctx: StoreContext, rejected: RejectedOp): Promise<boolean> {
  const tables = ['meta', 'ops', 'heads', ...(knownCollection(ctx, rejected.collection) ? [docTableName(rejected.collection)] : [])];
  try {
    const write = await ctx.db.transaction('rw', tables, async (tx) => {
      // Exact counters first: the op may be the log's last, and its seq must never be given out again.
      const local = await exactCounters(tx);
      const row = await rowHolding(tx, local.replicaId, rejected.seq);
      const op = row && opsOf(row).find((o) => o.seq === rejected.seq);
      assertNotPastLocalSeq({ seq: rejected.seq, localSeq: local.seq, what: 'rejected' });
      await tx.table('meta').put({ key: META_LOCAL, value: { ...local, ackedSeq: Math.max(local.ackedSeq, rejected.seq) } satisfies LocalMeta });
      if (row === undefined || op === undefined) return undefined;
      await removeFromLog(tx, row, rejected.seq);
      const own = (await opsAfter(tx, local.replicaId, local.ackedSeq)).filter((o) => o.collection === rejected.collection && o.id === rejected.id && o.seq !== rejected.seq);
      const [head] = await readHeads(ctx, tx, [[rejected.collection, rejected.id]]);
      const state = rolledBack({ held: head?.state, rejected: stripServerSeq(op), serverState: rejected.state, own: own.map(stripServerSeq) });
      const w = headWrite(ctx, rejected.collection, rejected.id, state, head?.inHeads ?? false);
      // Nobody wrote the document but the rejected op: it never existed (writeHeads stores no head without writes).
      if (state.entries.length === 0) await forget(ctx, tx, rejected);
      else await writeHeads(ctx, tx, [w]);
      return w;
    });
    if (write === undefined) return false;
    show(ctx, write);
    ctx.undo?.forget(rejected.collection, rejected.id);
    return true;
  } catch (err) {
    throw mapStorageError(err);
  }
}

/**
 * The server's state plus own ops it has not handled (it holds every op this replica received and every
 * own op it accepted, so nothing else is lost). Without the server's state, the op's entry is dropped from
 * the head: exact unless the op had pruned older writes (their values are then gone until they are written again).
 */
function rolledBack(o: { held: DocState | undefined; rejected: Op; serverState: DocState | undefined; own: readonly Op[] }): DocState {
  if (o.serverState !== undefined) return applyOps(o.serverState, o.own);
  const stamp = stampOf(o.rejected);
  return { entries: (o.held?.entries ?? []).filter((e) => !(e.stamp === stamp && e.seq === o.rejected.seq)) };
}

/** Deletes the op's row; a run is put back as the runs before and after it (each run stays consecutive). */
async function removeFromLog(tx: Transaction, row: OpLogRow, seq: number): Promise<void> {
  const ops = opsOf(row);
  await tx.table('ops').delete([row.replicaId, row.seq]);
  const before = ops.filter((o) => o.seq < seq).map(stripServerSeq);
  const after = ops.filter((o) => o.seq > seq).map(stripServerSeq);
  // The run's server seq is its last op's: it still belongs to the part after, when there is one.
  const serverSeq = 'ops' in row ? row.serverSeq : undefined;
  const rows = [...(before.length > 0 ? rowsOf(before) : []), ...(after.length > 0 ? rowsOf(after).map((r, i, all) => (i === all.length - 1 && serverSeq !== undefined ? { ...r, serverSeq } : r)) : [])];
  if (rows.length > 0) await tx.table('ops').bulkPut(rows);
}

async function forget(ctx: StoreContext, tx: Transaction, doc: RejectedOp): Promise<void> {
  if (knownCollection(ctx, doc.collection)) await tx.table(docTableName(doc.collection)).delete(doc.id);
  await tx.table('heads').delete([doc.collection, doc.id]);
}

/** Live queries of this instance show the rolled-back document now (others re-run on the commit). */
function show(ctx: StoreContext, w: HeadWrite): void {
  Dexie.ignoreTransaction(() => ctx.announcer.announce([{ collection: w.collection, id: w.id, doc: w.doc }]));
}

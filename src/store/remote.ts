/**
 * Primitives the sync plugin drives: applying remote ops idempotently,
 * recording acknowledgements, and the op log queries behind "pending".
 */
import type { DocState, Op } from '../core/index.js';
import { ErrorCode, TrellisError, deepEqual, observe, sameOp } from '../core/index.js';
import { applyOps, emptyDocState } from '../merge/index.js';
import { Dexie, type Transaction } from 'dexie';
import { META_LOCAL, META_SYNCED, docTableName, readLocal, type LocalMeta, type MetaRow, type OpRow } from './database.js';
import { getRow, ownTransaction, putRows, type Mutations } from './idb.js';
import { exactCounters } from './counters.js';
import { assertNotPastLocalSeq } from './past-local-seq.js';
import { acknowledgedRows, lastOf, opsAfter, opsOf, rowHolding, type OpLogRow } from './op-log.js';
import { headKey, mapStorageError, withdraw } from './write.js';
import { docOfHeadKey } from './head-key.js';
import { pushTo } from './push-to.js';
import { readHeads, writeHeads, type HeadWrite } from './heads.js';
import { knownCollection, type StoreContext } from './context.js';
import { checkedHeadWrite, recordInvalid, type CheckedWrite } from './invalid-documents.js';

/** An op with the server's sequence number for it. */
export interface SequencedOp {
  readonly serverSeq: number;
  readonly op: Op;
}


/**
 * Applies remote ops in one transaction, together with `meta` (the sync
 * cursor), so a crash never records a cursor past ops it did not apply.
 * A duplicate (replicaId, seq) is skipped; the same pair with other content
 * throws FORK_DETECTED and applies nothing.
 */
export async function applyRemote(
  ctx: StoreContext,
  entries: readonly SequencedOp[],
  meta: Readonly<Record<string, unknown>> = {},
): Promise<{ applied: number }> {
  const touched = new Set(entries.map((e) => e.op.collection));
  // Only the stores this touches: a transaction over fewer starts and commits faster.
  const tables = ['meta', 'ops', 'heads', ...[...touched].flatMap((c) => (knownCollection(ctx, c) ? [docTableName(c)] : []))];
  // The merge ignores ops it already holds, so documents are merged from all entries while the
  // log says which are new (all reads at once); a fork found there aborts the whole transaction.
  const byDoc = new Map<string, Op[]>();
  for (const { op } of entries) pushTo(byDoc, headKey(op.collection, op.id), op);
  try {
    // Shown at once when this instance holds every head in memory (head-cache.ts), before the transaction even
    // starts; a catch-up of many documents is better off merging each only once.
    const early = byDoc.size <= EARLY_LIMIT ? mergeHeld(ctx, byDoc) : undefined;
    if (early && early.size > 0) show(ctx, early.values());
    return await ownTransaction(ctx.db, tables, async (tx, mutations) => {
      const [fresh, , row] = await Promise.all([
        freshOps(tx, mutations, entries),
        materializeDocs(ctx, tx, mutations, byDoc, early),
        getRow<MetaRow>(tx, 'meta', META_LOCAL),
      ]);
      let local = (row as MetaRow).value as LocalMeta;
      for (const op of fresh) local = { ...local, clock: observe(local.clock, op.ts) };
      // Not awaited: the transaction commits once they are issued, and fails if one does (idb.ts ownTransaction).
      putRows(tx, mutations, 'ops', fresh, 'add').catch(() => undefined);
      const metaRows: MetaRow[] = [{ key: META_LOCAL, value: local }, { key: META_SYNCED, value: true }, ...Object.entries(meta).map(([key, value]) => ({ key, value }))];
      putRows(tx, mutations, 'meta', metaRows).catch(() => undefined);
      return { applied: fresh.length };
    });
  } catch (err) {
    withdraw(ctx, touched);
    throw mapStorageError(err);
  }
}

async function freshOps(tx: IDBTransaction, mutations: Mutations, entries: readonly SequencedOp[]): Promise<OpRow[]> {
  const existing = await Promise.all(entries.map((e) => rowHolding(tx, e.op.replicaId, e.op.seq)));
  const seen = new Set<string>();
  const fresh: OpRow[] = [];
  const updates = new Map<string, OpLogRow>();
  entries.forEach(({ serverSeq, op }, i) => {
    const row = existing[i];
    const known = row && opsOf(row).find((o) => o.seq === op.seq);
    const key = `${op.replicaId}\u0000${op.seq}`;
    if (known && !sameOp(known, op)) {
      throw new TrellisError(ErrorCode.FORK_DETECTED, `Op ${op.replicaId}#${op.seq} arrived with content that differs from the stored op. The replica forked; reset it.`, {
        details: { replicaId: op.replicaId, seq: op.seq },
      });
    }
    // An op of ours the server sends back: its row takes the server seq (a run, from its last op's).
    if (row && row.serverSeq === undefined && lastOf(row).seq === op.seq) updates.set(`${row.replicaId}\u0000${row.seq}`, { ...row, serverSeq });
    if (!known && !seen.has(key)) fresh.push({ ...op, serverSeq });
    seen.add(key);
  });
  putRows(tx, mutations, 'ops', [...updates.values()]).catch(() => undefined);
  return fresh;
}

/**
 * Merges ops into the heads and rewrites the affected documents. Collections
 * unknown to this schema keep heads only.
 *
 * `early` are the documents already shown, merged from the heads held in
 * memory (head-cache.ts): those the stored heads merge to differently are
 * shown again.
 */
async function materializeDocs(
  ctx: StoreContext,
  tx: IDBTransaction,
  mutations: Mutations,
  byDoc: ReadonlyMap<string, readonly Op[]>,
  early: ReadonlyMap<string, HeadWrite> | undefined,
): Promise<void> {
  const keys = [...byDoc.keys()];
  const heads = await readHeads(ctx, tx, keys.map((k) => docOfHeadKey(k)));
  // Validated: a document this schema forbids is written hidden and listed (invalid-documents.ts).
  const writes = new Map<string, CheckedWrite>();
  keys.forEach((key, i) => {
    const before = heads[i]?.state ?? emptyDocState;
    const state: DocState = applyOps(before, byDoc.get(key) ?? []);
    // Only ops it already held: nothing to write.
    if (state === before) return;
    const [collection, id] = docOfHeadKey(key);
    writes.set(key, checkedHeadWrite(ctx, { collection, id, state, inHeads: heads[i]?.inHeads ?? false }));
  });
  ctx.heads.remember([...writes].map(([key, w]) => ({ key, state: w.state })));
  if (writes.size === 0) return;
  // Withdrawn by applyRemote if the transaction fails.
  const differ = early ? [...writes].filter(([key, w]) => !deepEqual(early.get(key)?.doc, w.doc)).map(([, w]) => w) : [...writes.values()];
  if (differ.length > 0) show(ctx, differ);
  // Issued, not awaited: see applyRemote.
  writeHeads(ctx, tx, writes.values(), mutations).catch(() => undefined);
  await recordInvalid(ctx, tx, mutations, writes.values());
}

/** At most this many documents in a frame are shown before their heads are read. */
const EARLY_LIMIT = 64;

/** The documents as the ops leave the heads held in memory, or undefined unless every head is held. */
function mergeHeld(ctx: StoreContext, byDoc: ReadonlyMap<string, readonly Op[]>): Map<string, HeadWrite> | undefined {
  const merged = new Map<string, HeadWrite>();
  for (const [key, ops] of byDoc) {
    const before = ctx.heads.get(key);
    if (before === undefined) return undefined;
    const state = applyOps(before, ops);
    if (state === before) continue;
    const [collection, id] = docOfHeadKey(key);
    merged.set(key, checkedHeadWrite(ctx, { collection, id, state, inHeads: false }));
  }
  return merged;
}

/** Live queries show these documents now; outside the transaction, so subscribers' own reads and writes do not join it. */
function show(ctx: StoreContext, writes: Iterable<HeadWrite>): void {
  const changes = [...writes];
  Dexie.ignoreTransaction(() => ctx.announcer.announce(changes));
}

/**
 * Own ops fromSeq..toSeq are stored by the server with contiguous server seqs
 * from `firstServerSeq` (when it is unknown, e.g. the ack was lost in a crash
 * and the server reported them at hello, only the acknowledgement is recorded).
 */
export async function acknowledge(
  ctx: StoreContext,
  ack: { fromSeq: number; toSeq: number; firstServerSeq?: number },
  meta: Readonly<Record<string, unknown>> = {},
): Promise<void> {
  try {
    await ownTransaction(ctx.db, ['meta', 'ops'], async (tx, mutations) => {
      const [local, exact] = await Promise.all([getRow<MetaRow>(tx, 'meta', META_LOCAL).then((row) => (row as MetaRow).value as LocalMeta), exactCounters(tx)]);
      assertNotPastLocalSeq({ seq: Math.max(ack.fromSeq, ack.toSeq), localSeq: exact.seq, what: 'acknowledged' });
      const first = ack.firstServerSeq;
      // Not awaited: the transaction commits once they are issued (idb.ts ownTransaction).
      if (first !== undefined) putRows(tx, mutations, 'ops', await acknowledgedRows(tx, local.replicaId, ack, first)).catch(() => undefined);
      const value: LocalMeta = { ...local, ackedSeq: Math.max(local.ackedSeq, ack.toSeq) };
      const rows: MetaRow[] = [{ key: META_LOCAL, value }, { key: META_SYNCED, value: true }, ...Object.entries(meta).map(([key, v]) => ({ key, value: v }))];
      putRows(tx, mutations, 'meta', rows).catch(() => undefined);
    });
  } catch (err) {
    throw mapStorageError(err);
  }
}

/** Own ops the server has not acknowledged, in seq order. */
export async function readUnacknowledged(ctx: StoreContext, limit: number): Promise<Op[]> {
  return ctx.db.transaction('r', ['meta', 'ops'], async (tx) => {
    const local = await readLocal(tx);
    return opsAfter(tx, local.replicaId, local.ackedSeq, limit);
  });
}

/**
 * A widening's snapshot part (the documents newly in a replica's query, sent
 * whole on resume) merged into what the store holds, without a reset: each
 * baseline's state is merged into the document's head (a document the
 * replica already holds, say its own writes outside its old query, keeps
 * them), then the part's ops are applied as remote ops. Idempotent: a part
 * received again (the connection dropped before `synced`) changes nothing.
 *
 * Baselines are merged as states, never logged as ops: a baseline's entry
 * may be a put with parts nulled by later writes, which under its
 * (replicaId, seq) would differ from the op the log may hold (a fork to the
 * op log's check).
 */
import type { Baseline } from '../core/index.js';
import { observe } from '../core/index.js';
import { mergeStates } from '../merge/index.js';
import type { StoreContext } from './context.js';
import { META_LOCAL, docTableName, type LocalMeta, type MetaRow } from './database.js';
import { knownCollection } from './context.js';
import { readHeads, writeHeads } from './heads.js';
import { getRow, ownTransaction, putRows } from './idb.js';
import { checkedHeadWrite, recordInvalid, type CheckedWrite } from './invalid-documents.js';
import { mapStorageError } from './map-storage-error.js';
import { applyRemote, type SequencedOp } from './remote.js';

export async function mergeSnapshot(ctx: StoreContext, part: { baselines: readonly Baseline[]; ops: readonly SequencedOp[] }): Promise<void> {
  if (part.baselines.length > 0) await mergeBaselines(ctx, part.baselines);
  if (part.ops.length > 0) await applyRemote(ctx, part.ops);
}

async function mergeBaselines(ctx: StoreContext, baselines: readonly Baseline[]): Promise<void> {
  const collections = new Set(baselines.map((b) => b.collection));
  const tables = ['meta', 'heads', ...[...collections].flatMap((c) => (knownCollection(ctx, c) ? [docTableName(c)] : []))];
  try {
    await ownTransaction(ctx.db, tables, async (tx, mutations) => {
      const heads = await readHeads(ctx, tx, baselines.map((b) => [b.collection, b.id] as const));
      const writes: CheckedWrite[] = [];
      baselines.forEach((b, i) => {
        const before = heads[i]?.state;
        const state = before === undefined ? b.state : mergeStates(before, b.state);
        if (state !== before) writes.push(checkedHeadWrite(ctx, { collection: b.collection, id: b.id, state, inHeads: heads[i]?.inHeads ?? false }));
      });
      if (writes.length === 0) return;
      // The clock passes every merged write, as a reset's does: a later local write must sort after them.
      const row = (await getRow<MetaRow>(tx, 'meta', META_LOCAL)) as MetaRow;
      let local = row.value as LocalMeta;
      for (const b of baselines) if (b.ts) local = { ...local, clock: observe(local.clock, b.ts) };
      putRows(tx, mutations, 'meta', [{ key: META_LOCAL, value: local }]).catch(() => undefined);
      // Issued, not awaited: the transaction commits once they are (idb.ts ownTransaction).
      writeHeads(ctx, tx, writes, mutations).catch(() => undefined);
      await recordInvalid(ctx, tx, mutations, writes);
    });
    ctx.heads.clear();
  } catch (err) {
    throw mapStorageError(err);
  }
}

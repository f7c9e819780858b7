import type { Baseline, DocState, Op } from '../core/index.js';
import { TS_LENGTH } from '../core/index.js';
import { applyOps, emptyDocState, lastWrite } from '../merge/index.js';
import type { Transaction } from 'dexie';
import type { StoreContext } from './context.js';
import { META_HORIZON, META_LOCAL_COMPACTED, META_SYNCED, type OpRow } from './database.js';
import { headKey, mapStorageError } from './write.js';
import { pushTo } from './push-to.js';
import { readLocal } from './remote.js';

export interface CompactOptions {
  /** Squash ops with a server seq at or below this (the server's horizon). Default: the last horizon the server announced. */
  readonly horizon?: number;
}

/**
 * Squashes ops into baselines, keeping every document identical (heads are
 * untouched; head = merge(baseline, remaining ops) holds before and after).
 * A store that never synced may squash all of its ops; it remembers that, so
 * a later reset archives what the baselines hold.
 */
export async function compact(ctx: StoreContext, options: CompactOptions = {}): Promise<{ squashed: number }> {
  try {
    return await ctx.db.transaction('rw', ['ops', 'baselines', 'meta'], async (tx) => {
      const synced = (await tx.table('meta').get(META_SYNCED))?.value === true;
      const stored = (await tx.table('meta').get(META_HORIZON))?.value as number | undefined;
      const horizon = options.horizon ?? stored ?? 0;
      const ops: OpRow[] = synced
        ? await tx.table('ops').where('serverSeq').belowOrEqual(horizon).toArray()
        : await tx.table('ops').toArray();
      if (ops.length === 0) return { squashed: 0 };
      if (!synced) await tx.table('meta').put({ key: META_LOCAL_COMPACTED, value: true });
      await squash(tx, ops);
      await tx.table('ops').bulkDelete(ops.map((op) => [op.replicaId, op.seq]));
      return { squashed: ops.length };
    });
  } catch (err) {
    throw mapStorageError(err);
  }
}

async function squash(tx: Transaction, ops: readonly Op[]): Promise<void> {
  const byDoc = new Map<string, Op[]>();
  for (const op of ops) pushTo(byDoc, headKey(op.collection, op.id), stripServerSeq(op));
  const keys = [...byDoc.keys()].map((k) => k.split('\u0000') as [string, string]);
  const existing = (await tx.table('baselines').bulkGet(keys)) as (Baseline | undefined)[];
  const rows = keys.map(([collection, id], i) =>
    baselineOf(collection, id, applyOps(existing[i]?.state ?? emptyDocState, byDoc.get(headKey(collection, id)) ?? [])),
  );
  await tx.table('baselines').bulkPut(rows);
}

export function baselineOf(collection: string, id: string, state: DocState): Baseline {
  const stamp = lastWrite(state)?.stamp ?? '';
  return { collection, id, state, ts: stamp.slice(0, TS_LENGTH), replicaId: stamp.slice(TS_LENGTH) };
}

export function stripServerSeq(row: OpRow): Op {
  const { serverSeq: _ignored, ...op } = row;
  return op;
}

/** The writes a baseline holds, as ops (their stamps carry ts and replicaId). */
export function baselineOps(baseline: Baseline): Op[] {
  return baseline.state.entries.map((entry) => ({
    replicaId: entry.stamp.slice(TS_LENGTH),
    seq: entry.seq,
    ts: entry.stamp.slice(0, TS_LENGTH),
    collection: baseline.collection,
    id: baseline.id,
    change: entry.change,
  }));
}

export { readLocal };

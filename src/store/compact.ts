import type { Baseline, DocState, Json, JsonObject, Op, StateEntry } from '../core/index.js';
import { TS_LENGTH } from '../core/index.js';
import { lastWrite, materialize } from '../merge/index.js';
import type { StoreContext } from './context.js';
import { META_HORIZON, META_LOCAL, META_LOCAL_COMPACTED, META_SYNCED, type OpRow } from './database.js';
import { exactCounters } from './counters.js';
import { mapStorageError } from './map-storage-error.js';

export interface CompactOptions {
  /** Drop ops with a server seq at or below this (the server's horizon). Default: the last horizon the server announced. */
  readonly horizon?: number;
}

/**
 * Compaction. Each head already holds the merge of everything this replica
 * has, so squashing ops into the baseline leaves nothing to compute: the ops
 * the horizon covers are simply dropped, and every document stays identical.
 * A store that never synced may drop all of its ops; it remembers that, so a
 * later reset archives its own writes from the heads instead.
 */
export async function compact(ctx: StoreContext, options: CompactOptions = {}): Promise<{ squashed: number }> {
  try {
    return await ctx.db.transaction('rw', ['ops', 'meta'], async (tx) => {
      const synced = (await tx.table('meta').get(META_SYNCED))?.value === true;
      const stored = (await tx.table('meta').get(META_HORIZON))?.value as number | undefined;
      const horizon = options.horizon ?? stored ?? 0;
      const keys = synced
        ? await tx.table('ops').where('serverSeq').belowOrEqual(horizon).primaryKeys()
        : await tx.table('ops').toCollection().primaryKeys();
      if (keys.length === 0) return { squashed: 0 };
      if (!synced) await tx.table('meta').put({ key: META_LOCAL_COMPACTED, value: true });
      // Local writes leave the counters in their ops (counters.ts): the meta row takes them over before the ops go.
      await tx.table('meta').put({ key: META_LOCAL, value: await exactCounters(tx) });
      await tx.table('ops').bulkDelete(keys);
      return { squashed: keys.length };
    });
  } catch (err) {
    throw mapStorageError(err);
  }
}

/** A head (or baseline) row for a state: tagged with its last write's ts and replica. */
export function baselineOf(collection: string, id: string, state: DocState): Baseline {
  const stamp = lastWrite(state)?.stamp ?? '';
  return { collection, id, state, ts: stamp.slice(0, TS_LENGTH), replicaId: stamp.slice(TS_LENGTH) };
}

export function stripServerSeq(row: OpRow): Op {
  const { serverSeq: _ignored, ...op } = row;
  return op;
}

/**
 * The writes a baseline holds, as ops (their stamps carry ts and replicaId).
 * The merge nulls the parts of a put that newer writes overwrote; here those
 * parts take the document's values, so the op is a whole, valid document
 * again (re-applied from an archive, it gives the document the replica had).
 */
export function baselineOps(baseline: Baseline): Op[] {
  const doc = materialize(baseline.state);
  const entries = baseline.state.entries;
  return entries.map((entry, i) => ({
    replicaId: entry.stamp.slice(TS_LENGTH),
    seq: entry.seq,
    ts: entry.stamp.slice(0, TS_LENGTH),
    collection: baseline.collection,
    id: baseline.id,
    change: entry.change.kind === 'put' && doc !== undefined ? { kind: 'put', value: refill(entry.change.value, entries.slice(i + 1), doc) } : entry.change,
  }));
}

/** `value` with each top-level field a later set or unset wrote taken from `doc` (or left out where `doc` has none). */
function refill(value: JsonObject, later: readonly StateEntry[], doc: JsonObject): JsonObject {
  let out = value;
  for (const { change } of later) {
    if ((change.kind !== 'set' && change.kind !== 'unset') || change.path.length === 0) continue;
    const key = change.path[0] as string;
    if (!Object.hasOwn(out, key)) continue;
    out = { ...out };
    if (Object.hasOwn(doc, key)) out[key] = doc[key] as Json;
    else delete out[key];
  }
  return out;
}

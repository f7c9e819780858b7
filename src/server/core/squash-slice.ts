/**
 * One compaction slice: the next ops above the horizon (at most `maxOps`)
 * folded into baselines with the same merge the clients run, then deleted,
 * and the horizon moved to the last op folded. Called inside a transaction:
 * after each slice the library is consistent (every document is its baseline
 * plus its ops in the log), so compaction may stop between any two slices.
 *
 * A document whose baseline would not fit (`baselineFits`, MAX_BASELINE_BYTES)
 * is left as it was: its baseline unchanged, its ops kept in the log below
 * the horizon, where snapshots still send them (in server seq order) and
 * later slices fold them once the document fits again.
 */
import type { Op } from '../../core/index.js';
import { applyOps, emptyDocState } from '../../merge/index.js';
import { baselineFits } from '../../protocol/index.js';
import type { ServerOp } from '../../protocol/index.js';
import { baselineOf, readBaselineState, writeBaseline } from './baselines.js';
import { setHorizon } from './libraries.js';
import { deleteOp, deleteOpsBetween, documentKey, documentsWithOpsUpTo, readDocumentOps, streamOps } from './op-log.js';
import type { SqlStorage } from './types.js';

export interface SliceInput {
  readonly library: string;
  /** The library's horizon now: the slice starts above it. */
  readonly after: number;
  /** The target horizon: the slice ends at or below it. */
  readonly upTo: number;
  readonly maxOps: number;
}

/** The horizon reached and the ops squashed. Inside a transaction. */
export function squashSlice(sql: SqlStorage, o: SliceInput): { horizon: number; squashed: number } {
  const entries: ServerOp[] = [];
  for (const entry of streamOps(sql, { library: o.library, after: o.after, upTo: o.upTo })) {
    entries.push(entry);
    if (entries.length >= o.maxOps) break;
  }
  // Server seqs above the horizon are gap-free: a full slice ends at its last op, a short one at the target.
  const horizon = entries.length >= o.maxOps ? (entries[entries.length - 1] as ServerOp).serverSeq : o.upTo;
  const keep = foldDocuments(sql, { library: o.library, after: o.after, entries });
  deleteOpsBetween(sql, { library: o.library, after: o.after, upTo: horizon, keep });
  setHorizon(sql, { library: o.library, horizon });
  return { horizon, squashed: entries.length - keep.length };
}

/** Folds each document of the slice into its baseline; returns the server seqs of the ops kept, ascending. */
function foldDocuments(sql: SqlStorage, o: { library: string; after: number; entries: readonly ServerOp[] }): number[] {
  const { library, after } = o;
  const kept = after > 0 ? documentsWithOpsUpTo(sql, { library, upTo: after }) : new Set<string>();
  const keep: number[] = [];
  for (const [key, entries] of groupByDocument(o.entries)) {
    const { collection, id } = (entries[0] as ServerOp).op;
    const older = kept.has(key) ? readDocumentOps(sql, { library, collection, id, upTo: after }) : [];
    const ops: Op[] = [...older, ...entries].map((entry) => entry.op);
    const state = applyOps(readBaselineState(sql, { library, collection, id }) ?? emptyDocState, ops);
    const baseline = baselineOf({ collection, id, state });
    if (baseline !== undefined && !baselineFits(baseline)) {
      for (const entry of entries) keep.push(entry.serverSeq);
      continue;
    }
    writeBaseline(sql, { library, collection, id, state });
    for (const entry of older) deleteOp(sql, { library, serverSeq: entry.serverSeq });
  }
  return keep.sort((x, y) => x - y);
}

function groupByDocument(entries: readonly ServerOp[]): Map<string, ServerOp[]> {
  const groups = new Map<string, ServerOp[]>();
  for (const entry of entries) {
    const key = documentKey(entry.op.collection, entry.op.id);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [entry]);
    else group.push(entry);
  }
  return groups;
}

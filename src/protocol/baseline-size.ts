/**
 * The largest document state that travels as one baseline. Both compactions
 * (the server's squash and the client's seed) decide with `baselineFits`: a
 * document whose baseline would be bigger is never held or sent as one. It
 * travels as ops instead, each of which fits a frame (MAX_OP_BYTES), so no
 * document is too large to reach a late joiner.
 */
import type { Baseline, Op } from '../core/index.js';
import { TS_LENGTH } from '../core/index.js';
import { MAX_BASELINE_BYTES } from './limits.js';
import { opKey } from './seed-order.js';
import { utf8Exceeds } from './utf8.js';

/** Whether the baseline's JSON is at most MAX_BASELINE_BYTES in UTF-8: it then fits, alone, in any snapshot or seed frame. */
export function baselineFits(baseline: Baseline): boolean {
  return !utf8Exceeds(JSON.stringify(baseline), MAX_BASELINE_BYTES);
}

/**
 * A baseline's state entries as ops, in state order. Each entry is the op
 * that wrote it (stamp = ts + replicaId, same seq), possibly with parts of a
 * put nulled where a newer kept write overwrites them: the fold of these ops
 * equals the baseline's, and they dedupe against the original ops by
 * (replicaId, seq).
 */
export function baselineAsOps(baseline: Baseline): Op[] {
  return baseline.state.entries.map((entry) => ({
    replicaId: entry.stamp.slice(TS_LENGTH),
    seq: entry.seq,
    ts: entry.stamp.slice(0, TS_LENGTH),
    collection: baseline.collection,
    id: baseline.id,
    change: entry.change,
  }));
}

/**
 * A history (heads or baselines, and ops) as it may be seeded: each baseline
 * that does not fit is replaced by its entries as ops, except the entries the
 * history already holds as ops (the same (replicaId, seq)), which would
 * otherwise travel twice. Ops keep their order; the added ones follow.
 */
export function historyThatFits(history: { baselines: readonly Baseline[]; ops: readonly Op[] }): { baselines: Baseline[]; ops: Op[] } {
  const baselines: Baseline[] = [];
  const ops = [...history.ops];
  let held: Set<string> | undefined;
  for (const baseline of history.baselines) {
    if (baselineFits(baseline)) {
      baselines.push(baseline);
      continue;
    }
    held ??= new Set(history.ops.map(opKey));
    for (const op of baselineAsOps(baseline)) if (!held.has(opKey(op))) ops.push(op);
  }
  return { baselines, ops };
}


/** How a client cuts its whole history into `seed` frames after an `accept`. */
import type { Baseline, Op } from '../core/index.js';
import { cutFrames, frameBytes, jsonBytes, withLast } from './frames.js';
import { MAX_OPS_PER_PUSH, SNAPSHOT_CHUNK_BYTES } from './limits.js';
import { opBytes } from './op-size.js';
import type { SeedMessage } from './seed.js';

type SeedItem = { readonly baseline: Baseline } | { readonly op: Op };

/** `{"type":"seed","baselines":[],"ops":[],"done":false}`: what a seed frame holds besides its items. */
const SEED_ENVELOPE_BYTES = frameBytes({ type: 'seed', baselines: [], ops: [], done: false });

const seedItemBytes = (item: SeedItem) => ('op' in item ? opBytes(item.op) : jsonBytes(item.baseline));

/**
 * The replica's whole history (baselines first, then ops) as seed frames of at
 * most SNAPSHOT_CHUNK_BYTES in UTF-8 and MAX_OPS_PER_PUSH items each; an item
 * bigger than that travels alone. The last frame has `done: true`; an empty
 * history is one empty frame.
 */
export function seedChunks(history: { baselines: readonly Baseline[]; ops: readonly Op[] }): SeedMessage[] {
  const items: SeedItem[] = [...history.baselines.map((baseline) => ({ baseline })), ...history.ops.map((op) => ({ op }))];
  const groups = cutFrames(items, {
    envelopeBytes: SEED_ENVELOPE_BYTES,
    budgetBytes: SNAPSHOT_CHUNK_BYTES,
    sizeOf: seedItemBytes,
    maxItems: MAX_OPS_PER_PUSH,
  });
  const chunks: SeedMessage[] = [];
  for (const { value: group, last } of withLast(groups)) {
    const baselines = group.flatMap((item) => ('baseline' in item ? [item.baseline] : []));
    const ops = group.flatMap((item) => ('op' in item ? [item.op] : []));
    chunks.push({ type: 'seed', baselines, ops, done: last });
  }
  if (chunks.length === 0) chunks.push({ type: 'seed', baselines: [], ops: [], done: true });
  return chunks;
}

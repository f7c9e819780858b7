import type { Baseline, Op } from '../core/index.js';
import { stampOf } from '../core/index.js';
import { MAX_FRAME_BYTES, MAX_OPS_PER_PUSH, SNAPSHOT_CHUNK_BYTES } from '../protocol/index.js';
import type { SeedMessage } from '../protocol/index.js';

const size = (value: unknown) => JSON.stringify(value).length;

/** Own ops for one push: at most MAX_OPS_PER_PUSH, and well under the frame limit. */
export function pushBatch(ops: readonly Op[]): Op[] {
  const batch: Op[] = [];
  let bytes = 256;
  for (const op of ops.slice(0, MAX_OPS_PER_PUSH)) {
    bytes += size(op) + 1;
    if (batch.length > 0 && bytes > MAX_FRAME_BYTES / 2) break;
    batch.push(op);
  }
  return batch;
}

/** The replica's whole history as seed chunks of about SNAPSHOT_CHUNK_BYTES, the last one `done`. */
export function seedChunks(history: { baselines: readonly Baseline[]; ops: readonly Op[] }): SeedMessage[] {
  const chunks: SeedMessage[] = [];
  let baselines: Baseline[] = [];
  let ops: Op[] = [];
  let bytes = 0;
  const flush = (done: boolean) => {
    chunks.push({ type: 'seed', baselines, ops, done } as SeedMessage);
    baselines = [];
    ops = [];
    bytes = 0;
  };
  const add = (item: { baseline?: Baseline; op?: Op }) => {
    const itemBytes = size(item.baseline ?? item.op);
    if (bytes > 0 && (bytes + itemBytes > SNAPSHOT_CHUNK_BYTES || ops.length >= MAX_OPS_PER_PUSH)) flush(false);
    if (item.baseline) baselines.push(item.baseline);
    if (item.op) ops.push(item.op);
    bytes += itemBytes;
  };
  for (const baseline of history.baselines) add({ baseline });
  for (const op of history.ops) add({ op });
  flush(true);
  return chunks;
}

/** The order in which a server assigns server seqs to a seed: distinct ops by (ts, replicaId, seq). */
export function seedOrder(ops: readonly Op[]): Op[] {
  const distinct = new Map<string, Op>();
  for (const op of ops) distinct.set(`${op.replicaId}#${op.seq}`, op);
  return [...distinct.values()].sort((a, b) => {
    const x = stampOf(a);
    const y = stampOf(b);
    return x < y ? -1 : x > y ? 1 : a.seq - b.seq;
  });
}

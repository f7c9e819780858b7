/**
 * The packed form of `ops` and `snapshot` frames (protocol 5): the same
 * baselines and ops without repeating, per entry, a 34-character stamp
 * (timestamp + replica id) and the keys every document of a collection
 * shares. A server sends it to clients whose hello said protocol 5 or later
 * (PACKED_PROTOCOL); older clients get the plain form. decodeServerMessage
 * unpacks it before validating, so every layer above sees plain messages.
 *
 *   {"type":"snapshot", epoch, serverSeq, horizon, progress, done, "packed": P}
 *   {"type":"ops", progress?, "packed": P}
 *
 *   P = {"replicas": [replicaId, …],   each replica once per frame
 *        "t0": timestamp,               the frame's first item's ts
 *        "shapes": [shape, …],          each shape once per frame (packed-shape.ts)
 *        "baselines": [row, …], "ops": [row, …]}
 *
 * A stamp or timestamp travels as three numbers `r, dms, counter`: the
 * index of its replica in `replicas` (a bare timestamp has none), its
 * milliseconds minus t0's (signed) and its counter. Rows:
 *
 *   baseline row: [shape, id, (r, dms, counter, seq, …leaves) per entry, (r, dms, counter)?]
 *     with shape ["b", collection, [change shape per entry], explicit]; the
 *     trailing stamp (the baseline's replicaId and ts) is there only when
 *     `explicit` is 1: otherwise they are the last entry's stamp's, as
 *     compaction makes them.
 *   op row: [shape, serverSeq, id, r, dms, counter, seq, …leaves]
 *     with shape ["o", collection, change shape].
 *
 * A row may also be the item's plain JSON object (a Baseline, or
 * {serverSeq, op}): the sender uses it whenever the packed row and the
 * table entries it adds would be bigger, so a packed frame is never more than
 * a few dozen bytes over the plain frame of the same items, and every frame
 * the limits allowed before still fits MAX_FRAME_BYTES.
 */
import * as v from 'valibot';
import { parseTimestamp, TS_LENGTH } from '../core/index.js';
import { OpsSchema } from './ops.js';
import { ReplicaIdSchema, TimestampSchema } from './op.js';
import { SnapshotSchema } from './snapshot.js';

/** The first protocol version whose clients read packed frames. */
export const PACKED_PROTOCOL = 5;

export const PackedSchema = v.strictObject({
  replicas: v.array(ReplicaIdSchema),
  t0: TimestampSchema,
  shapes: v.array(v.unknown()),
  baselines: v.array(v.unknown()),
  ops: v.array(v.unknown()),
});

/**
 * Server → client, protocol 5: the `ops` and `snapshot` frames with `packed`
 * in place of their items. Derived from the plain schemas, so a field added
 * to a plain frame is in its packed form too. The decoder checks `packed`
 * with PackedSchema and the rest of the frame, once unpacked, with the plain
 * schema (unpack-packed.ts).
 */
export const PackedOpsSchema = v.object({ ...v.omit(OpsSchema, ['ops']).entries, packed: PackedSchema });
export const PackedSnapshotSchema = v.object({ ...v.omit(SnapshotSchema, ['baselines', 'ops']).entries, packed: PackedSchema });

export type Packed = v.InferOutput<typeof PackedSchema>;

/** A timestamp as `dms, counter` against t0's milliseconds. */
export function timeLeaves(ts: string, t0ms: number): [number, number] {
  const { ms, counter } = parseTimestamp(ts);
  return [ms - t0ms, counter];
}

/** A stamp (timestamp + replica id) split into its timestamp and replica. */
export function splitStamp(stamp: string): { ts: string; replicaId: string } {
  return { ts: stamp.slice(0, TS_LENGTH), replicaId: stamp.slice(TS_LENGTH) };
}

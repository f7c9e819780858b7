/** Reset: the client's `join` and the server's `snapshot` chunks. */
import * as v from 'valibot';
import { BaselineSchema, CountSchema, EpochSchema, ReplicaIdSchema, ServerOpSchema } from './op.js';
import { ProgressSchema } from './ops.js';

/**
 * Client → server, only after a `reset` decision, once the user consented.
 * `replicaId` is the NEW id the client uses after the reset; the connection
 * continues as that replica.
 */
export const JoinSchema = v.object({ type: v.literal('join'), replicaId: ReplicaIdSchema });

/**
 * Server → client: one chunk of the complete library state as of `serverSeq`
 * (never a delta): every baseline, then every op the server still holds, in
 * server seq order. Those are the ops above the horizon and, since version 4,
 * ops at or below it too: the ops of a document whose compacted state would
 * not fit one baseline (MAX_BASELINE_BYTES, `baselineFits`), which compaction
 * leaves in the log. A client applies every op with the same merge, whatever
 * its seq, so such a document arrives whole. Each frame
 * is under MAX_FRAME_BYTES; the last has `done: true` and is followed by `synced`.
 */
export const SnapshotSchema = v.object({
  type: v.literal('snapshot'),
  epoch: EpochSchema,
  serverSeq: CountSchema,
  horizon: CountSchema,
  baselines: v.pipe(v.array(BaselineSchema), v.readonly()),
  ops: v.pipe(v.array(ServerOpSchema), v.readonly()),
  progress: ProgressSchema,
  done: v.boolean(),
});

export type JoinMessage = v.InferOutput<typeof JoinSchema>;
export type SnapshotMessage = v.InferOutput<typeof SnapshotSchema>;

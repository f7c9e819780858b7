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
 * (never a delta): every baseline, then every op above the horizon. Each frame
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

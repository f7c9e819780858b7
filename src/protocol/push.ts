/** `push` of own ops and the server's `ack`. */
import * as v from 'valibot';
import { CountSchema, OpSchema, ReplicaIdSchema, SeqSchema } from './op.js';
import { MAX_OPS_PER_PUSH } from './limits.js';

/**
 * Client → server: own ops (the connection's replicaId only), seqs contiguous,
 * the first at most one past what the server holds for this replica
 * (`replicaSeq`). Re-sent identical ops are no-ops; the same (replicaId, seq)
 * with other content is FORK_DETECTED. All or nothing.
 */
export const PushSchema = v.object({
  type: v.literal('push'),
  ops: v.pipe(v.array(OpSchema), v.minLength(1), v.maxLength(MAX_OPS_PER_PUSH), v.readonly()),
});

/**
 * Server → client: own ops fromSeq..toSeq are durably stored, at the contiguous
 * server seqs firstServerSeq..firstServerSeq + (toSeq - fromSeq). Sent only after
 * the commit. A push may be answered by several acks (re-sent ops keep the
 * server seqs they got the first time).
 */
export const AckSchema = v.object({
  type: v.literal('ack'),
  replicaId: ReplicaIdSchema,
  fromSeq: SeqSchema,
  toSeq: SeqSchema,
  firstServerSeq: CountSchema,
});

export type PushMessage = v.InferOutput<typeof PushSchema>;
export type AckMessage = v.InferOutput<typeof AckSchema>;

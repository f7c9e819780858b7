/** `reject`: the server's refusal of one pushed op (its schema or a write rule said no). */
import * as v from 'valibot';
import { ErrorCodeSchema } from './error.js';
import { MAX_REJECTION_MESSAGE_LENGTH } from './limits.js';
import { DocStateSchema, NameSchema, ReplicaIdSchema, SeqSchema } from './op.js';

/**
 * Server → client: own op `seq` was rejected (`code` SCHEMA_VIOLATION or
 * RULE_REJECTED, `message` saying why). Its seq stays used (the server counts
 * it as held, as an acknowledged one), nobody else ever sees the op, and the
 * writer rolls its effect back. `state` is the document as the server holds
 * it now (every op it accepted, none it rejected): the writer's document
 * becomes that plus its own ops the server has not handled yet. Absent when
 * the state would not fit in one frame; the writer then only drops the op.
 *
 * Sent in seq order with the push's acks (so every op before `seq` is
 * acknowledged or rejected when it arrives), and again before the decision
 * of each resume for rejected seqs past the hello's `ackedSeq`.
 */
export const RejectSchema = v.object({
  type: v.literal('reject'),
  replicaId: ReplicaIdSchema,
  seq: SeqSchema,
  collection: NameSchema,
  id: NameSchema,
  code: ErrorCodeSchema,
  message: v.pipe(v.string(), v.maxLength(MAX_REJECTION_MESSAGE_LENGTH)),
  state: v.optional(DocStateSchema),
});

export type RejectMessage = v.InferOutput<typeof RejectSchema>;

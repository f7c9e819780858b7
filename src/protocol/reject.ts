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
 * the state would not fit in one frame (a document of about 1 MiB of JSON);
 * the writer then only drops the op's entry from its merge state. That is
 * exact unless the op had overwritten older writes the writer held (a put
 * every field, a set or unset the value at its path, also inside an older
 * put): the writer's merge pruned those values when the op was applied, so
 * there the writer shows the field missing or null while the server and the
 * other replicas show the older value, until that field is written again.
 * A fix would send the state in several frames (not done: it needs a new
 * message and a version).
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

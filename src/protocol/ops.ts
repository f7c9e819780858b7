/** Ops travelling server → client: catch-up chunks, live fan-out, and `synced`. */
import * as v from 'valibot';
import { CountSchema, ServerOpSchema } from './op.js';

/** How far a chunked transfer is, counted in items (ops, or baselines + ops). */
export const ProgressSchema = v.object({ received: CountSchema, total: CountSchema });

/**
 * Server → client: other replicas' ops in server seq order. During catch-up
 * they carry `progress`; live fan-out frames do not.
 */
export const OpsSchema = v.object({
  type: v.literal('ops'),
  ops: v.pipe(v.array(ServerOpSchema), v.readonly()),
  progress: v.optional(ProgressSchema),
});

/** Server → client: catch-up is complete up to `serverSeq`; every later op arrives live. */
export const SyncedSchema = v.object({ type: v.literal('synced'), serverSeq: CountSchema });

export type Progress = v.InferOutput<typeof ProgressSchema>;
export type OpsMessage = v.InferOutput<typeof OpsSchema>;
export type SyncedMessage = v.InferOutput<typeof SyncedSchema>;

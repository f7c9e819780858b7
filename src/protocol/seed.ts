/** `seed`: after an `accept`, the replica's whole history becomes the library's. */
import * as v from 'valibot';
import { BaselineSchema, OpSchema } from './op.js';

/**
 * Client → server, only after an `accept` decision, in chunks (each frame under
 * MAX_FRAME_BYTES). Carries the baselines and ops of every replica the client
 * holds. The server stores nothing until the chunk with `done: true`, then
 * commits the whole seed in one transaction and answers `synced`.
 */
export const SeedSchema = v.object({
  type: v.literal('seed'),
  baselines: v.pipe(v.array(BaselineSchema), v.readonly()),
  ops: v.pipe(v.array(OpSchema), v.readonly()),
  done: v.boolean(),
});

export type SeedMessage = v.InferOutput<typeof SeedSchema>;

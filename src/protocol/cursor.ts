/** Acknowledging received ops (`cursor`) and the compaction point (`horizon`). */
import * as v from 'valibot';
import { CountSchema } from './op.js';

/**
 * Client → server: the client has durably applied every op up to `serverSeq`.
 * The server records it as the replica's acked seq; the horizon is the lowest
 * acked seq of the library's non-truant replicas.
 */
export const CursorMessageSchema = v.object({ type: v.literal('cursor'), serverSeq: CountSchema });

/** Server → client: ops at or below `serverSeq` are now compacted into baselines on the server. */
export const HorizonSchema = v.object({ type: v.literal('horizon'), serverSeq: CountSchema });

export type CursorMessage = v.InferOutput<typeof CursorMessageSchema>;
export type HorizonMessage = v.InferOutput<typeof HorizonSchema>;

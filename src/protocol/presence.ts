/**
 * Presence: who is connected to a library right now and what they are doing.
 * Ephemeral: never an op, never stored; it lives in the server's memory (and,
 * on Cloudflare, in each socket's attachment) while the replica is connected,
 * and a short grace after it disconnects.
 */
import * as v from 'valibot';
import { CountSchema, JsonObjectSchema, ReplicaIdSchema } from './op.js';

/** The token's `sub`: the server fills it in, a client never sends it. */
export const UserIdSchema = v.pipe(v.string(), v.minLength(1));

/**
 * Client → server: this replica's presence state (a JSON object of at most
 * MAX_PRESENCE_BYTES, or null for "connected, nothing to show"). The first one
 * on a connection joins the replica to the library's presence; the server
 * answers it with a full `presence` snapshot of the others.
 */
export const PresenceSchema = v.object({ type: v.literal('presence'), state: v.nullable(JsonObjectSchema) });

/** One replica's presence; `at` is the server's time (ms) of its last update. */
export const PresenceEntrySchema = v.object({
  replicaId: ReplicaIdSchema,
  userId: UserIdSchema,
  state: v.nullable(JsonObjectSchema),
  at: CountSchema,
});

/**
 * Server → client: a change to the others' presence. `replace` starts a full
 * snapshot (forget every replica known before; later frames without it
 * continue it). `replicas` are added or updated, `left` are gone for good
 * (after the grace), `profiles` are the server's read-only profiles of users
 * (null when it has none). The receiver's own replica is never included.
 */
export const PresenceUpdateSchema = v.object({
  type: v.literal('presence'),
  replace: v.optional(v.boolean()),
  replicas: v.optional(v.array(PresenceEntrySchema)),
  left: v.optional(v.array(ReplicaIdSchema)),
  profiles: v.optional(v.record(UserIdSchema, v.nullable(JsonObjectSchema))),
});

export type PresenceMessage = v.InferOutput<typeof PresenceSchema>;
export type PresenceEntry = v.InferOutput<typeof PresenceEntrySchema>;
export type PresenceUpdateMessage = v.InferOutput<typeof PresenceUpdateSchema>;

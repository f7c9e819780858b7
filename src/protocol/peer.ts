/**
 * Server to server (peering, protocol 5): two Trellis servers holding the same library keep each
 * other up to date over one socket, opened by either (the dialing server acts as a client, with a
 * token of role `server`). Once open the exchange is symmetric; per library:
 *
 *   A → B  peer-hello {serverId, epoch, libraries}    B → A  peer-hello (its own)
 *   A → B  peer-vector {replicas, done}…               B → A  peer-vector…
 *          (system data: every replica's registration — user, home server — and its head: seq + opHash)
 *   each side, once the other's vector is complete, sends what the other lacks:
 *          peer-baselines {baselines, ops}…  peer-heads {heads}…   only when an op the other lacks was squashed
 *          peer-ops {ops, progress}…                               per replica, in seq order, gap-free
 *          peer-synced {}
 *   then both forward every op they store (from a replica or another peer) as `peer-ops`, live.
 *
 * The same (replicaId, seq) with another opHash is a fork (`peer-fork`): both keep the version of
 * the replica's home server. Frames are cut by cutFrames under the frame budget, as every other.
 */
import * as v from 'valibot';
import { ErrorMessageSchema } from './error.js';
import { BaselineSchema, CountSchema, EpochSchema, NameSchema, OpSchema, ReplicaIdSchema, SeqSchema } from './op.js';
import { ProgressSchema } from './ops.js';

/** A server's stable id (kept in its database): the same alphabet as replica ids. */
export const ServerIdSchema = ReplicaIdSchema;

/** opHash: lowercase hex SHA-256. */
export const OpHashSchema = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, 'Expected an op hash: 64 lowercase hex digits'));

/** Most library names one peer-hello lists (a server holding more announces them as they are used). */
export const MAX_PEER_LIBRARIES = 1000;

/** First message of each side. `libraries`: the libraries the sender holds, so the dialing side opens sockets for those it lacks. */
export const PeerHelloSchema = v.object({
  type: v.literal('peer-hello'),
  protocol: v.pipe(v.number(), v.safeInteger()),
  serverId: ServerIdSchema,
  /** The sender's epoch of this library (its server seq stream), or null when it holds no row for it. */
  epoch: v.nullable(EpochSchema),
  libraries: v.pipe(v.array(NameSchema), v.maxLength(MAX_PEER_LIBRARIES), v.readonly()),
});

/** One replica as a server holds it: its registration (system data) and its head. */
export const PeerReplicaSchema = v.object({
  replicaId: ReplicaIdSchema,
  /** The user (token `sub`) that registered it. */
  user: NameSchema,
  /** The server it registered with: its version wins a fork. */
  home: ServerIdSchema,
  /** When it registered there (ms since the epoch): of two homes (registered with both), the earlier wins. */
  firstSeen: CountSchema,
  /** The highest seq the sender holds of it: every seq up to it is held (as an op, in a baseline, or rejected). */
  seq: CountSchema,
  /** opHash of its op at `seq`, when the sender still knows it. */
  hash: v.nullable(OpHashSchema),
});

/** The version vector and registrations, in chunks; `done` on the last. */
export const PeerVectorSchema = v.object({
  type: v.literal('peer-vector'),
  replicas: v.pipe(v.array(PeerReplicaSchema), v.readonly()),
  done: v.boolean(),
});

/**
 * Ops the receiver lacks. In the exchange: per replica in seq order, from the receiver's head on. Live: as stored,
 * with `through`: the sender's server seq of the last op (its ops up to there are all with the receiver now, which
 * records it against its own head: a checkpoint for translating the sender's cursors, peer-checkpoints.ts).
 */
export const PeerOpsSchema = v.object({
  type: v.literal('peer-ops'),
  ops: v.pipe(v.array(OpSchema), v.readonly()),
  progress: v.optional(ProgressSchema),
  through: v.optional(CountSchema),
});

/** Behind the sender's horizon: its baselines (merged with what the receiver holds) and every op it still holds. */
export const PeerBaselinesSchema = v.object({
  type: v.literal('peer-baselines'),
  baselines: v.pipe(v.array(BaselineSchema), v.readonly()),
  ops: v.pipe(v.array(OpSchema), v.readonly()),
  progress: ProgressSchema,
});

/** After peer-baselines: the receiver now holds each replica up to `seq` (what the baselines covered). */
export const PeerHeadsSchema = v.object({
  type: v.literal('peer-heads'),
  heads: v.pipe(v.array(v.object({ replicaId: ReplicaIdSchema, seq: SeqSchema, hash: v.nullable(OpHashSchema) })), v.readonly()),
});

/** The exchange is sent: everything the sender held when it began (its server seqs up to `through`) is with the receiver. */
export const PeerSyncedSchema = v.object({ type: v.literal('peer-synced'), through: v.optional(CountSchema) });

const ForkSideSchema = v.object({ hash: OpHashSchema, server: ServerIdSchema });

/** A fork the sender found: (replicaId, seq) with two hashes; `kept` is the home server's. */
export const PeerForkSchema = v.object({
  type: v.literal('peer-fork'),
  replicaId: ReplicaIdSchema,
  seq: SeqSchema,
  kept: ForkSideSchema,
  refused: ForkSideSchema,
});

export const PeerMessageSchema = v.variant('type', [
  PeerHelloSchema,
  PeerVectorSchema,
  PeerOpsSchema,
  PeerBaselinesSchema,
  PeerHeadsSchema,
  PeerSyncedSchema,
  PeerForkSchema,
  ErrorMessageSchema,
]);

export type PeerMessage = v.InferOutput<typeof PeerMessageSchema>;
export type PeerHelloMessage = v.InferOutput<typeof PeerHelloSchema>;
export type PeerReplica = v.InferOutput<typeof PeerReplicaSchema>;
export type PeerForkMessage = v.InferOutput<typeof PeerForkSchema>;
export type PeerHead = v.InferOutput<typeof PeerHeadsSchema>['heads'][number];

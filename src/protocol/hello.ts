/** The handshake: the client's `hello` and the server's one `decision`. */
import * as v from 'valibot';
import { CountSchema, EpochSchema, ReplicaIdSchema, SeqSchema } from './op.js';
import { QuerySchema } from './query.js';

/** lowercase hex SHA-256 (opHash). */
const HashSchema = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/));

/**
 * Where a replica is in a library's server seq stream: the epoch names the library's history, so a cursor from an
 * evicted history is recognised. `serverId` (protocol 5, optional): the server that issued it (the decision's
 * `serverId`), so a peer of that server translates it instead of resetting the replica (failover, peer-checkpoints.ts).
 */
export const CursorSchema = v.object({ epoch: EpochSchema, serverSeq: CountSchema, serverId: v.optional(ReplicaIdSchema) });

/** A schema's `version`: a positive safe integer. */
export const SchemaVersionSchema = v.pipe(v.number(), v.safeInteger(), v.minValue(1));

/** Client → server, first message of every connection. */
export const HelloSchema = v.object({
  type: v.literal('hello'),
  /** The client's PROTOCOL_VERSION. */
  protocol: v.pipe(v.number(), v.safeInteger()),
  replicaId: ReplicaIdSchema,
  /** Null when the replica never synced with this library. */
  cursor: v.nullable(CursorSchema),
  /** Highest own seq held locally, 0 if none. */
  localSeq: CountSchema,
  /** Local changes the server may not have: unsynced own ops, or all local docs when never synced. */
  atRisk: CountSchema,
  /**
   * The `version` of the replica's schema (defineSchema). Optional: clients of protocol 4 and older do not
   * send it. A server with a minimum schema version refuses a hello below it, or without it, with
   * SYNC_SCHEMA_OUTDATED (see schema-version.ts in server/core).
   */
  schemaVersion: v.optional(SchemaVersionSchema),
  /**
   * The highest own seq the replica counts as acknowledged or rejected (protocol 5). A server resends, before
   * its decision, the `reject` of every rejected seq past it (one the replica may not have seen), and forgets
   * those at or below it. Absent from older clients: they are sent none.
   */
  ackedSeq: v.optional(CountSchema),
  /**
   * The replication query (query.ts, protocol 5): the server sends only documents in it (and in the token's
   * scope, to which it is narrowed). Absent: the whole library (older clients).
   */
  query: v.optional(QuerySchema),
  /**
   * What the replica holds up to its cursor, when that differs from `query` (it widened its query since): on
   * resume the server sends, besides the catch-up, every document in `query` but not in `held`, up to its
   * head. Absent: the replica holds exactly `query`.
   */
  held: v.optional(QuerySchema),
});

/** Fields of every decision: the library's state when it was made. */
const decisionFields = {
  type: v.literal('decision'),
  /** The library's epoch (new when the library row is created: first use, or after an eviction); the client keeps it in its cursor. */
  epoch: EpochSchema,
  /** The library head: the highest server seq assigned. */
  serverSeq: CountSchema,
  /** Ops at or below this server seq are compacted into baselines. */
  horizon: CountSchema,
  /** The highest seq of this replica the server holds, 0 if none; push from replicaSeq + 1. */
  replicaSeq: CountSchema,
  /**
   * opHash (op-hash.ts) of the replica's op at replicaSeq as the server stored it; null when replicaSeq
   * is 0 or the server did not record it (a row from before version 4). The client compares it with its
   * own op at that seq before it acknowledges anything: a mismatch is a fork (a copied profile).
   */
  replicaHash: v.optional(v.nullable(HashSchema)),
  /**
   * Protocol 5: this replica id forked between two peered servers at `seq` (the same seq with two contents), and
   * `hash` is the opHash of the version kept. A client whose own op at `seq` hashes otherwise is the copy that lost:
   * it archives its own ops from `seq` on, acknowledged or not, and joins again under a new replica id.
   */
  fork: v.optional(v.object({ seq: SeqSchema, hash: HashSchema })),
  /** Protocol 5: the deciding server's id; the client keeps it in its cursor (`Cursor.serverId`). */
  serverId: v.optional(ReplicaIdSchema),
  /**
   * The query the server sends this replica (protocol 5): hello's query narrowed to the token's scope. Absent:
   * the whole library. The replica records it as what it holds, so a scope that grows later is a widening.
   */
  query: v.optional(QuerySchema),
};

export const DecisionReasonSchema = v.picklist(['late-joiner', 'truant', 'library-reset']);

/** Server → client, exactly one answer to `hello`. */
export const DecisionSchema = v.variant('decision', [
  v.object({ ...decisionFields, decision: v.literal('accept') }),
  v.object({ ...decisionFields, decision: v.literal('resume') }),
  v.object({ ...decisionFields, decision: v.literal('reset'), reason: DecisionReasonSchema }),
]);

export type Cursor = v.InferOutput<typeof CursorSchema>;
export type HelloMessage = v.InferOutput<typeof HelloSchema>;
export type DecisionMessage = v.InferOutput<typeof DecisionSchema>;
export type DecisionReason = v.InferOutput<typeof DecisionReasonSchema>;

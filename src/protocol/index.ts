/**
 * protocol: the only definition of the wire between a Trellis replica and a
 * Trellis sync server. Valibot schemas, the types inferred from them, version,
 * limits, close codes and the codec. Imports core only (+ valibot): never
 * store, sync, server or a runtime. PROTOCOL.md at the repository root is the
 * prose version of this folder.
 *
 * Initial sync, as the server sees it (one WebSocket per replica and library,
 * URL `.../parties/trellis/<library>?token=<JWT>`):
 *
 *   client                                   server
 *   hello {replicaId, cursor, localSeq, atRisk, schemaVersion} →
 *                                          ← decision (exactly one):
 *   (or, when the server requires a newer schema: ← error SYNC_SCHEMA_OUTDATED, close 4008)
 *
 *   accept  — the library has no history (new or evicted). The replica's whole
 *             history becomes the library's:
 *     seed {baselines, ops, done:false} …  →   (buffered, nothing stored yet)
 *     seed {…, done:true}                  →   one transaction
 *                                          ← synced {serverSeq}
 *
 *   resume  — a known, non-truant replica whose cursor is in this epoch:
 *                                          ← ops {ops, progress} …  (others' ops after the cursor)
 *                                          ← synced {serverSeq}
 *     push {ops with seq > replicaSeq}     →
 *
 *   reset   — late-joiner (unknown replica, library has history), truant (not
 *             seen within the truancy window) or library-reset (the cursor is
 *             from another epoch, or inconsistent with the library). The server
 *             stores nothing this replica sends (SYNC_JOIN_REQUIRED) until the
 *             user consents and the client archives its at-risk changes:
 *     join {replicaId: <new id>}           →
 *                                          ← snapshot {baselines, ops, progress, done} …
 *                                          ← synced {serverSeq}
 *
 * Live, after `synced`, in any order:
 *     push {ops}                           →
 *                                          ← ack {fromSeq, toSeq, firstServerSeq}  (after commit)
 *                                          ← reject {seq, code, message, state}  (an op the schema or a rule refused;
 *                                             in seq order with the acks; its seq stays used, nobody else sees it)
 *                                          ← ops {ops}        (other replicas' writes)
 *     cursor {serverSeq}                   →   (applied up to here: moves the horizon)
 *                                          ← horizon {serverSeq}  (ops ≤ it were compacted)
 *                                          ← error {code, message, details}  (nothing changed)
 *
 * Presence, when live (never stored; only to connections that sent one):
 *     presence {state}                     →   (at most every ~100 ms; the first joins)
 *                                          ← presence {replace, replicas, profiles}  (the others, once)
 *                                          ← presence {replicas | left | profiles}   (changes after)
 *
 *   import { decodeServerMessage, encodeMessage, PROTOCOL_VERSION } from 'trellis/protocol';
 *   socket.send(encodeMessage({ type: 'hello', protocol: PROTOCOL_VERSION, replicaId, cursor: null, localSeq: 0, atRisk: 0 }));
 *   const result = decodeServerMessage(frame); // { ok: true, value } | { ok: false, error }
 */
export { PROTOCOL_VERSION, MIN_PROTOCOL_VERSION } from './version.js';
export {
  MAX_FRAME_BYTES,
  TRANSPORT_MAX_BYTES,
  MAX_OPS_PER_PUSH,
  SNAPSHOT_CHUNK_BYTES,
  MAX_NAME_LENGTH,
  MAX_PATH_SEGMENTS,
  MAX_JSON_DEPTH,
  MAX_POSITION_LENGTH,
  MAX_EPOCH_LENGTH,
  MAX_BAD_FRAMES,
  MAX_TIMESTAMP_MS,
  MAX_PRESENCE_BYTES,
  MAX_PROFILE_BYTES,
  MAX_ENVELOPE_BYTES,
  MAX_OP_BYTES,
  MAX_BASELINE_BYTES,
  MAX_REJECTION_MESSAGE_LENGTH,
  MAX_QUERY_COLLECTIONS,
  MAX_QUERY_PREFIXES,
} from './limits.js';
export { baselineAsOps, baselineFits, historyThatFits } from './baseline-size.js';
export { CloseCode } from './close-codes.js';
export { isBoundedJson, isBoundedJsonObject, jsonProblem, jsonObjectProblem, formatPath } from './json.js';
export type { JsonProblem } from './json.js';
export { NAME_RULE, isWireName, loneSurrogateAt, nameProblem, quoteName, unicodeProblem } from './names.js';
export {
  ReplicaIdSchema,
  SeqSchema,
  CountSchema,
  TimestampSchema,
  NameSchema,
  EpochSchema,
  PathSchema,
  JsonSchema,
  JsonObjectSchema,
  ChangeSchema,
  OpSchema,
  DocStateSchema,
  BaselineSchema,
  ServerOpSchema,
} from './op.js';
export type { WireOp, ServerOp } from './op.js';
export { CursorSchema, HelloSchema, DecisionSchema, DecisionReasonSchema, SchemaVersionSchema } from './hello.js';
export type { Cursor, HelloMessage, DecisionMessage, DecisionReason } from './hello.js';
export { SeedSchema } from './seed.js';
export type { SeedMessage } from './seed.js';
export { PushSchema, AckSchema } from './push.js';
export type { PushMessage, AckMessage } from './push.js';
export { RejectSchema } from './reject.js';
export type { RejectMessage } from './reject.js';
export { ProgressSchema, OpsSchema, SyncedSchema } from './ops.js';
export type { Progress, OpsMessage, SyncedMessage } from './ops.js';
export { CursorMessageSchema, HorizonSchema } from './cursor.js';
export type { CursorMessage, HorizonMessage } from './cursor.js';
export { JoinSchema, SnapshotSchema } from './snapshot.js';
export type { JoinMessage, SnapshotMessage } from './snapshot.js';
export { UserIdSchema, PresenceSchema, PresenceEntrySchema, PresenceUpdateSchema } from './presence.js';
export type { PresenceMessage, PresenceEntry, PresenceUpdateMessage } from './presence.js';
export { ErrorCodeSchema, ErrorMessageSchema } from './error.js';
export type { ErrorMessage } from './error.js';
export { ClientMessageSchema, ServerMessageSchema } from './messages.js';
export type { ClientMessage, ServerMessage, ClientMessageType, ServerMessageType } from './messages.js';
export { decodeClientMessage, decodeServerMessage, encodeMessage } from './codec.js';
export { utf8Length, utf8Exceeds } from './utf8.js';
export { opBytes, findOversizedOp, opsFitFrame, MAX_REENCODE_GROWTH } from './op-size.js';
export { cutFrames, frameBytes, jsonBytes, withLast } from './frames.js';
export type { CutOptions } from './frames.js';
export { pushBatch } from './push-batch.js';
export { seedChunks } from './seed-chunks.js';
export { seedOrder, highestSeq, opKey } from './seed-order.js';
export { opHash, canonicalJson } from './op-hash.js';
export { QuerySchema, WHOLE_LIBRARY, parseQuery, matchesQuery, isWholeLibrary, intersectQueries, queryWithin, clampQuery } from './query.js';
export type { Query, ReplicationQuery } from './query.js';
export { PACKED_PROTOCOL, PackedSchema, PackedOpsSchema, PackedSnapshotSchema } from './packed.js';
export type { Packed } from './packed.js';
export { EMPTY_PACKED, packFrames, packedFrame } from './pack-frames.js';
export type { PackItem, PackedGroup, PackOptions } from './pack-frames.js';
export type { Frame, Result } from './codec.js';

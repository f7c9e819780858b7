/**
 * The protocol version. Bump PROTOCOL_VERSION on ANY change to a message
 * schema or a wire limit (the schema-hash test enforces it) and add one line to
 * the history below. Raise MIN_PROTOCOL_VERSION only when the server can no
 * longer serve older clients; a hello outside [MIN, current] is answered with
 * PROTOCOL_VERSION_MISMATCH and the close code VERSION_MISMATCH.
 *
 * History:
 * - 1: initial protocol. hello/decision (accept, resume, reset), seed, push/ack,
 *      ops/synced, cursor/horizon, join/snapshot, error.
 * - 2: close code 4007 REPLICA_FORBIDDEN (a replica id is bound to the user
 *      who registered it); timestamps must be before the year 3000
 *      (MAX_TIMESTAMP_MS). Message shapes are unchanged, so version 1 clients
 *      are still served; to them 4007 is an unknown close.
 * - 3: presence. Client `presence {state}`, server `presence {replace?,
 *      replicas?, left?, profiles?}`, MAX_PRESENCE_BYTES, MAX_PROFILE_BYTES.
 *      A server sends presence only to a connection that sent one, so older
 *      clients are still served unchanged.
 * - 4: the edges. Limits counted in UTF-8 bytes of encoded frames and ops;
 *      MAX_OP_BYTES (MAX_FRAME_BYTES - MAX_ENVELOPE_BYTES) bounds one op on
 *      both sides: a server refuses a push or seed holding a bigger one with
 *      PROTOCOL_OP_TOO_LARGE; both sides cut frames with cutFrames;
 *      names (collection, id, path segment, list item id) must be
 *      well-formed Unicode without NUL; JSON strings and keys and list
 *      positions must be well-formed Unicode (NUL inside a string is data).
 *      Files: `HEAD <library>/files/<id>` says whether the server holds a
 *      file; a client checks its uploaded files under each new library epoch
 *      (after an eviction) and uploads the missing ones again.
 *      The decision carries `replicaHash` (optional, nullable): opHash of the
 *      replica's op at replicaSeq, so a client detects a fork (a copied
 *      profile) before it acknowledges anything; older clients ignore it.
 *      Server limits: `join` with any id registered or written in the library
 *      is SYNC_REPLICA_ID_IN_USE; SERVER_LIMIT_EXCEEDED names `connectionsPerUser`
 *      and `socketQueueBytes` (a socket that does not read, closed with
 *      1013); file uploads over their limits answer 429/503 with it.
 *      Compaction: a seed whose baseline (merged) is over MAX_BASELINE_BYTES
 *      (MAX_FRAME_BYTES - MAX_ENVELOPE_BYTES) is refused with
 *      PROTOCOL_BASELINE_TOO_LARGE (a client sends such a document as ops);
 *      snapshots may carry ops at or below the horizon (a document too large
 *      for one baseline keeps its ops); a writer's acknowledged push counts
 *      as seen by it (its acked seq moves with the push when it had reached
 *      the head), so a library with a single writer compacts.
 * - 5: the authoritative server and counters (issue 17):
 *      Counters: the change kind `inc {path, by}` (by a safe integer) adds to
 *      the number at path; increments commute, a newer set/unset/put of the
 *      path or a prefix is a new base (merge/fold-entries.ts). A version 4 or
 *      older client cannot decode one, so the server never sends it a frame
 *      holding one (live ops, catch-up, snapshot): it answers
 *      PROTOCOL_VERSION_MISMATCH and closes with VERSION_MISMATCH, on which
 *      such clients stop (counter-guard.ts). Libraries without counters
 *      still serve them.
 *      Schema versions: hello carries `schemaVersion` (optional, a positive
 *      safe integer: the `version` of the replica's schema). A server with a
 *      minimum (`minSchemaVersion`, or its schema's `breakingSince`) answers
 *      a hello below it, or without it, with the error SYNC_SCHEMA_OUTDATED
 *      and no decision, and closes with 4008 SCHEMA_OUTDATED (the client
 *      shows phase `outdated` and does not retry). Older clients send no
 *      version: without a minimum they are served as before; with one they
 *      are refused and closed with 4004 VERSION_MISMATCH, on which they stop.
 *      Rejections: a server with the app's schema or write rules refuses a
 *      pushed op that breaks them with a new server message `reject {replicaId,
 *      seq, collection, id, code (SCHEMA_VIOLATION | RULE_REJECTED), message
 *      (at most MAX_REJECTION_MESSAGE_LENGTH), state?}`, in seq order with the
 *      push's acks; the seq stays used (max_seq passes it), the op is stored
 *      nowhere else, and a reject reaching the push's last op ends the push.
 *      hello carries `ackedSeq` (optional): rejects past it are resent before
 *      a resume's decision. Clients before 5 are sent an `error` frame with
 *      the same code and message instead (their push blocks until they
 *      reconnect, and the op is refused again each time).
 *      Admin: tokens may carry role `admin` (admin HTTP routes only); a socket
 *      opened with one is refused with AUTH_FORBIDDEN and closed 4001. Older
 *      clients never hold one, so nothing changes for them.
 *      Server to server (issue 15, peer.ts): tokens may carry role `server`;
 *      such a socket speaks only `peer-hello`, `peer-vector` (registrations
 *      and heads: replicaId -> user, home server, seq, opHash), `peer-ops`,
 *      `peer-baselines`, `peer-heads`, `peer-synced` and `peer-fork`, and a
 *      replica message on it is AUTH_SERVER_TOKEN (close 4001); a `peer-*`
 *      message on a replica's socket is AUTH_REPLICA_TOKEN (close 4001). A
 *      server refuses a peer-hello with its own id (SERVER_PEER_SELF). Replica
 *      sockets are unchanged, so every older client is served as before.
 *      Forks and failover (issue 15): the decision carries `serverId` (the
 *      deciding server) and `fork {seq, hash}` (the replica id forked between
 *      peered servers at seq; hash: the kept op's opHash); the cursor a hello
 *      sends may carry `serverId` (the server that issued it), so a peer
 *      resumes it through its checkpoints; `peer-ops` and `peer-synced` carry
 *      `through` (the sender's server seq). The server sends the new decision
 *      fields only to version 5 hellos; older clients send no serverId and
 *      reset on another server, as before.
 *      Packed frames (issue 16, packed.ts): `ops` and `snapshot` to a client
 *      of version 5 or later carry `packed {replicas, t0, shapes, baselines,
 *      ops}` instead of `ops` / `baselines`: replica ids and shapes
 *      (collection, change kinds, paths, object keys) once per frame, rows of
 *      leaves with stamps as (replica index, ms offset from t0, counter); a
 *      row may be the item's plain JSON when packing would not pay, so frames
 *      stay within the same limits. decodeServerMessage unpacks before
 *      validating. Clients of version 4 and older get the plain form (the
 *      server keeps hello's version, across hibernation too).
 *      Sync over HTTP (issue 16, server/core/http-sync-api.ts): the same
 *      frames without a WebSocket, under the library's path: POST
 *      `<library>/sessions` opens a session (a connection), POST
 *      `<library>/sessions/<id>` carries one client frame, a long-poll GET
 *      of it answers `{frames, close?}`, DELETE ends it; the token goes in
 *      `Authorization: Bearer`. GET `<library>/snapshots/<epoch>/<seq>`
 *      serves the snapshot frames of the current state with a strong ETag.
 *      New codes HTTP_SESSION_NOT_FOUND, HTTP_REQUEST_INVALID,
 *      SNAPSHOT_NOT_CURRENT. No message changes: WebSocket clients of every
 *      version are served as before.
 *      Replication queries and scopes (issue 16, query.ts): hello carries
 *      `query?` and `held?` ({collections?, idPrefix?}, at most
 *      MAX_QUERY_COLLECTIONS and MAX_QUERY_PREFIXES names), the decision
 *      `query?` (hello's narrowed to the token's scope); tokens may carry a
 *      `scope` claim of the same shape. The server sends a connection only
 *      documents of its query (snapshot, catch-up, fan-out; a resume whose
 *      hello says `held` also gets the newly matching documents as `snapshot`
 *      frames), and refuses a push or seed with an op outside the scope
 *      (AUTH_SCOPE_FORBIDDEN, nothing stored). Older clients send no query:
 *      served as before, narrowed to their token's scope when it has one.
 */
export const PROTOCOL_VERSION = 5;

/** The oldest client protocol version this code still serves. */
export const MIN_PROTOCOL_VERSION = 1;

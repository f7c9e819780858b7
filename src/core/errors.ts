/**
 * The one table of error codes. Codes cross the wire, so they live below every
 * other folder. Each code says what caused it and what to do about it.
 *
 * One `export const` per code (add new ones the same way, with their doc
 * comment): trellis-error.ts gathers them as the `ErrorCode` namespace, whose
 * members a bundler resolves one by one, so an app ships only the codes the
 * code it runs names (a single object literal shipped all of them, 0.6 kB
 * gzipped). The ErrorCode type is the union of them all.
 */
/**
 * A value does not match the schema (wrong type, missing required field, unknown field). Fix the value; nothing was written.
 * From a server with a schema (a `reject`): a pushed op left a document its schema forbids, or wrote a collection it does
 * not name; the op was rolled back in the writer's store and reported on `sync.rejections`. Ship matching schemas.
 */
export const SCHEMA_VIOLATION = 'SCHEMA_VIOLATION';
/** `defineSchema` was given an invalid definition (bad field type, index on an unknown field, ...). Fix the definition. */
export const SCHEMA_INVALID = 'SCHEMA_INVALID';
/** The database was written by a newer schema version than the one the app opened it with. Ship the newer schema or clear the database. */
export const SCHEMA_DOWNGRADE = 'SCHEMA_DOWNGRADE';
/** A migration function threw or returned an invalid document. Fix the migration; the database is left at the previous version. */
export const SCHEMA_MIGRATION_FAILED = 'SCHEMA_MIGRATION_FAILED';
/** The collection name is not in the schema. Use one of the schema's collections. */
export const UNKNOWN_COLLECTION = 'UNKNOWN_COLLECTION';
/** The document does not exist (or was deleted). Create it with `put` first. */
export const NOT_FOUND = 'NOT_FOUND';
/** The same (replicaId, seq) arrived with different content: two writers claim one op. Reset the forked replica. */
export const FORK_DETECTED = 'FORK_DETECTED';
/** A query used an unsupported operator, an unknown field or an invalid range. Fix the query. */
export const QUERY_INVALID = 'QUERY_INVALID';
/** An argument to a public call is invalid (wrong type, out of range). The message names it. */
export const INVALID_ARGUMENT = 'INVALID_ARGUMENT';
/** The store was closed. Open a new one with `createStore`. */
export const STORE_CLOSED = 'STORE_CLOSED';
/** IndexedDB failed (quota, blocked upgrade, browser storage error). See `cause`. */
export const STORAGE_FAILED = 'STORAGE_FAILED';
/** An op failed structural validation (bad ts, bad path, unknown change kind). Drop the op and report it. */
export const OP_INVALID = 'OP_INVALID';

/** A wire message failed validation. The message's `details.path` says where. Fix the sender; nothing was changed. */
export const PROTOCOL_INVALID_MESSAGE = 'PROTOCOL_INVALID_MESSAGE';
/** Client and server speak incompatible protocol versions. Upgrade the older side. */
export const PROTOCOL_VERSION_MISMATCH = 'PROTOCOL_VERSION_MISMATCH';
/** A frame exceeded the maximum message size. Send smaller pushes. */
export const PROTOCOL_MESSAGE_TOO_LARGE = 'PROTOCOL_MESSAGE_TOO_LARGE';
/**
 * An op's JSON is over MAX_OP_BYTES (UTF-8 bytes): no frame could carry it to the other replicas.
 * `details` has the op's `index` in its message, its `bytes` and the `limit`. The store refuses such
 * writes, so only a client that bypasses it sends one; split the value. Nothing of the message was stored.
 */
export const PROTOCOL_OP_TOO_LARGE = 'PROTOCOL_OP_TOO_LARGE';
/**
 * A seeded baseline (merged with any other baseline of the same document in the seed) is over
 * MAX_BASELINE_BYTES (UTF-8 bytes of its JSON): no snapshot frame could carry it. `details` names the
 * `collection`, `id` and `limit`. The client's seed sends such a document as ops (historyThatFits), so
 * only a client that bypasses it sends one. Nothing of the seed was stored.
 */
export const PROTOCOL_BASELINE_TOO_LARGE = 'PROTOCOL_BASELINE_TOO_LARGE';
/** A message arrived before the hello handshake finished. Send `hello` first. */
export const PROTOCOL_UNEXPECTED_MESSAGE = 'PROTOCOL_UNEXPECTED_MESSAGE';

/** No token was given or it could not be parsed. Pass `token` or `getToken` to the sync plugin. */
export const AUTH_TOKEN_MISSING = 'AUTH_TOKEN_MISSING';
/** The token signature does not verify (wrong secret or tampered). Get a new token from your auth endpoint. */
export const AUTH_TOKEN_INVALID = 'AUTH_TOKEN_INVALID';
/** The token has expired. Get a fresh token (use `getToken` so the plugin can refresh it). */
export const AUTH_TOKEN_EXPIRED = 'AUTH_TOKEN_EXPIRED';
/** The token was issued before its library was evicted with its tokens revoked. Get a new token from your auth endpoint. */
export const AUTH_TOKEN_REVOKED = 'AUTH_TOKEN_REVOKED';
/** The token is for another library. Request a token for this library. */
export const AUTH_WRONG_LIBRARY = 'AUTH_WRONG_LIBRARY';
/** The token's role may not do this (a `read` token pushing ops). Request a `write` token. */
export const AUTH_FORBIDDEN = 'AUTH_FORBIDDEN';
/** The hello's replica id is registered in this library to another user (the `sub` of the token that registered it). A store belongs to one user: open one store (database name) per user. */
export const AUTH_REPLICA_FORBIDDEN = 'AUTH_REPLICA_FORBIDDEN';
/** A token of role `server` (another Trellis server replicating) was used to sync as a replica (a hello, push, …). Replicas use read or write tokens; keep server tokens on servers. Closes 4001. */
export const AUTH_SERVER_TOKEN = 'AUTH_SERVER_TOKEN';
/** A replica's token (read or write) sent a server-to-server message (`peer-*`). Only a token of role `server` replicates: give the peer server the same `--secret`, or a `server` token. Closes 4001. */
export const AUTH_REPLICA_TOKEN = 'AUTH_REPLICA_TOKEN';
/**
 * The token's scope (`scope: { collections?, idPrefix? }` when it was issued) does not cover this: a push or seed
 * holding an op outside it (the whole push is refused, nothing stored; `details` names the op), or a file only
 * documents outside it refer to. Write inside the scope, or request a token whose scope covers the documents.
 */
export const AUTH_SCOPE_FORBIDDEN = 'AUTH_SCOPE_FORBIDDEN';

/** The server decided this replica must reset; the user has to consent with `sync.join()`. */
export const SYNC_JOIN_REQUIRED = 'SYNC_JOIN_REQUIRED';
/** The sync plugin was stopped. Create a new one with `createSync`. */
export const SYNC_STOPPED = 'SYNC_STOPPED';
/** `join()` was called while no join is required. Wait for phase `join-required`. */
export const SYNC_NOTHING_TO_JOIN = 'SYNC_NOTHING_TO_JOIN';
/** An op was rejected by the server (schema, limits, replica mismatch). `details` carries the server's reason. */
export const SYNC_OP_REJECTED = 'SYNC_OP_REJECTED';
/**
 * A server write rule (`rules[collection].write`) refused a pushed op; the message is the rule's (or a
 * generic one when the rule threw). Nobody else saw the op; the writer's store rolled it back and
 * `sync.rejections` reported it. Tell the user, or write only what the rules allow.
 */
export const RULE_REJECTED = 'RULE_REJECTED';
/** The server could not be reached. The plugin keeps retrying with backoff. */
export const SYNC_UNREACHABLE = 'SYNC_UNREACHABLE';
/** Another replica is seeding this empty library, or the library gained history before this replica's seed finished (nothing of the seed was stored). Reconnect with backoff; the next decision says whether to resume or reset. */
export const SYNC_LIBRARY_BUSY = 'SYNC_LIBRARY_BUSY';
/** A `join` named a replica id the library already knows (registered, or with ops or baseline writes there): nothing was changed. The sync plugin joins again under a fresh id by itself; a hand-written client generates a new id and sends `join` again. */
export const SYNC_REPLICA_ID_IN_USE = 'SYNC_REPLICA_ID_IN_USE';
/** Another tab of this replica took over the sync connection before this tab's request (a `join()`, or a reset it was running) finished. Nothing was changed by it; call `join()` again when phase is `join-required`. */
export const SYNC_LEADER_CHANGED = 'SYNC_LEADER_CHANGED';
/** `getToken` threw or rejected (the token endpoint is down or refused). Shown in `state.error` while sync retries with backoff, asking `getToken` again each time; cleared once live. Fix the token endpoint, or make `getToken` resolve. */
export const SYNC_TOKEN_UNAVAILABLE = 'SYNC_TOKEN_UNAVAILABLE';
/** This store syncs with another library, and this library is empty: seeding it would copy the other library's history into it (a store records the library of its first sync and holds one acknowledged position). One store per library: name the store after the library (`createStore({ name: \`app-${library}\` })`). Nothing was sent. A library with history is joined through the consent flow instead. */
export const SYNC_WRONG_LIBRARY = 'SYNC_WRONG_LIBRARY';
/**
 * The server requires a newer schema than this replica's (its hello's `schemaVersion` is below the server's
 * `minSchemaVersion`, or below the `breakingSince` of the schema the server holds; a hello without a schema
 * version counts as outdated there). Nothing was stored. The sync plugin shows phase `outdated` and stops
 * retrying; the store keeps working locally. Ship the app with the newer schema: the next start syncs.
 */
export const SYNC_SCHEMA_OUTDATED = 'SYNC_SCHEMA_OUTDATED';

/** A file is larger than the server's `maxFileSize` (HTTP 413). The server stored nothing; the file stays on this replica only (state `rejected`). Use smaller files or raise the limit. */
export const FILE_TOO_LARGE = 'FILE_TOO_LARGE';
/** The file's bytes are on no replica you can reach: neither here nor on the server (never uploaded, or collected). Put the file again. */
export const FILE_NOT_FOUND = 'FILE_NOT_FOUND';
/** A file id or file reference is malformed (ids are 1 to 64 URL-safe characters). Pass a Blob, or a handle a query returned. */
export const FILE_INVALID = 'FILE_INVALID';
/** An upload or download failed for a reason that may pass (server unreachable, HTTP 5xx). Uploads stay pending and are retried on reconnect. */
export const FILE_TRANSFER_FAILED = 'FILE_TRANSFER_FAILED';

/** A presence state's JSON is bigger than MAX_PRESENCE_BYTES (1 KiB): `details.size`, `details.limit`. Keep presence to small pointers (ids, a cursor position); the previous presence stays in place. */
export const PRESENCE_TOO_LARGE = 'PRESENCE_TOO_LARGE';

/** A push claimed a replica ID other than the connection's. Each connection pushes only its own ops. */
export const SERVER_REPLICA_MISMATCH = 'SERVER_REPLICA_MISMATCH';
/** A push skipped sequence numbers. Push ops in order, without gaps. */
export const SERVER_SEQ_GAP = 'SERVER_SEQ_GAP';
/** An op's timestamp is further ahead of the server's clock than its `maxClockAheadMs` limit allows: every replica would adopt it. Fix the device's clock; the writes stay queued. */
export const SERVER_CLOCK_AHEAD = 'SERVER_CLOCK_AHEAD';
/** A configured limit (ops per push, seed size, connections per library or per token, messages per second) was exceeded; `details.limit` names it. Slow down, split the work, or reconnect later (the connection limits and the rate limit close with TRY_AGAIN_LATER). */
export const SERVER_LIMIT_EXCEEDED = 'SERVER_LIMIT_EXCEEDED';
/** The server failed in a way it does not expose. Retry; report it if it persists. */
export const SERVER_INTERNAL = 'SERVER_INTERNAL';
/** A server dialed itself as a peer (its peer-hello names its own server id). Remove its own URL from `peers` / `--peer`. */
export const SERVER_PEER_SELF = 'SERVER_PEER_SELF';
/** An admin route named a library the server holds no rows for (never synced, or evicted). Check the name; `evict` of such a library still revokes its tokens when asked. */
export const ADMIN_LIBRARY_NOT_FOUND = 'ADMIN_LIBRARY_NOT_FOUND';
/** An admin request was malformed: an unknown route or method, a library name that is not a valid name, a body that is not the JSON object the route takes, or a body over its size limit (`details.limit`). Fix the request; nothing was changed. */
export const ADMIN_REQUEST_INVALID = 'ADMIN_REQUEST_INVALID';
/**
 * Sync over HTTP: the session a request names is not open (it expired after its idle timeout with no poll
 * waiting, was ended, was closed by the server, or never existed), or belongs to another user or library.
 * Open a new session and say hello again; the HTTP transport does this by itself. Nothing was changed.
 */
export const HTTP_SESSION_NOT_FOUND = 'HTTP_SESSION_NOT_FOUND';
/**
 * A request to the HTTP sync routes was malformed: an unknown route or method, a library name that is not
 * a valid name, an empty body, or a snapshot URL whose epoch or seq is not one. `details.status` is its HTTP
 * status. Fix the request; nothing was changed.
 */
export const HTTP_REQUEST_INVALID = 'HTTP_REQUEST_INVALID';
/**
 * A snapshot URL named an epoch and server seq that are not the library's current ones (it moved on, was
 * evicted, or never existed): HTTP 409 with `details.epoch` and `details.serverSeq` of the current state
 * (absent when the server holds nothing for the library). Request the snapshot those name.
 */
export const SNAPSHOT_NOT_CURRENT = 'SNAPSHOT_NOT_CURRENT';
/** A command-line flag is missing or invalid. Run with --help. */
export const CLI_INVALID_FLAG = 'CLI_INVALID_FLAG';

/**
 * The one table of error codes. Codes cross the wire, so they live below every
 * other folder. Each code says what caused it and what to do about it.
 */
export const ErrorCode = {
  /**
   * A value does not match the schema (wrong type, missing required field, unknown field). Fix the value; nothing was written.
   * From a server with a schema (a `reject`): a pushed op left a document its schema forbids, or wrote a collection it does
   * not name; the op was rolled back in the writer's store and reported on `sync.rejections`. Ship matching schemas.
   */
  SCHEMA_VIOLATION: 'SCHEMA_VIOLATION',
  /** `defineSchema` was given an invalid definition (bad field type, index on an unknown field, ...). Fix the definition. */
  SCHEMA_INVALID: 'SCHEMA_INVALID',
  /** The database was written by a newer schema version than the one the app opened it with. Ship the newer schema or clear the database. */
  SCHEMA_DOWNGRADE: 'SCHEMA_DOWNGRADE',
  /** A migration function threw or returned an invalid document. Fix the migration; the database is left at the previous version. */
  SCHEMA_MIGRATION_FAILED: 'SCHEMA_MIGRATION_FAILED',
  /** The collection name is not in the schema. Use one of the schema's collections. */
  UNKNOWN_COLLECTION: 'UNKNOWN_COLLECTION',
  /** The document does not exist (or was deleted). Create it with `put` first. */
  NOT_FOUND: 'NOT_FOUND',
  /** The same (replicaId, seq) arrived with different content: two writers claim one op. Reset the forked replica. */
  FORK_DETECTED: 'FORK_DETECTED',
  /** A query used an unsupported operator, an unknown field or an invalid range. Fix the query. */
  QUERY_INVALID: 'QUERY_INVALID',
  /** An argument to a public call is invalid (wrong type, out of range). The message names it. */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** The store was closed. Open a new one with `createStore`. */
  STORE_CLOSED: 'STORE_CLOSED',
  /** IndexedDB failed (quota, blocked upgrade, browser storage error). See `cause`. */
  STORAGE_FAILED: 'STORAGE_FAILED',
  /** An op failed structural validation (bad ts, bad path, unknown change kind). Drop the op and report it. */
  OP_INVALID: 'OP_INVALID',

  /** A wire message failed validation. The message's `details.path` says where. Fix the sender; nothing was changed. */
  PROTOCOL_INVALID_MESSAGE: 'PROTOCOL_INVALID_MESSAGE',
  /** Client and server speak incompatible protocol versions. Upgrade the older side. */
  PROTOCOL_VERSION_MISMATCH: 'PROTOCOL_VERSION_MISMATCH',
  /** A frame exceeded the maximum message size. Send smaller pushes. */
  PROTOCOL_MESSAGE_TOO_LARGE: 'PROTOCOL_MESSAGE_TOO_LARGE',
  /**
   * An op's JSON is over MAX_OP_BYTES (UTF-8 bytes): no frame could carry it to the other replicas.
   * `details` has the op's `index` in its message, its `bytes` and the `limit`. The store refuses such
   * writes, so only a client that bypasses it sends one; split the value. Nothing of the message was stored.
   */
  PROTOCOL_OP_TOO_LARGE: 'PROTOCOL_OP_TOO_LARGE',
  /**
   * A seeded baseline (merged with any other baseline of the same document in the seed) is over
   * MAX_BASELINE_BYTES (UTF-8 bytes of its JSON): no snapshot frame could carry it. `details` names the
   * `collection`, `id` and `limit`. The client's seed sends such a document as ops (historyThatFits), so
   * only a client that bypasses it sends one. Nothing of the seed was stored.
   */
  PROTOCOL_BASELINE_TOO_LARGE: 'PROTOCOL_BASELINE_TOO_LARGE',
  /** A message arrived before the hello handshake finished. Send `hello` first. */
  PROTOCOL_UNEXPECTED_MESSAGE: 'PROTOCOL_UNEXPECTED_MESSAGE',

  /** No token was given or it could not be parsed. Pass `token` or `getToken` to the sync plugin. */
  AUTH_TOKEN_MISSING: 'AUTH_TOKEN_MISSING',
  /** The token signature does not verify (wrong secret or tampered). Get a new token from your auth endpoint. */
  AUTH_TOKEN_INVALID: 'AUTH_TOKEN_INVALID',
  /** The token has expired. Get a fresh token (use `getToken` so the plugin can refresh it). */
  AUTH_TOKEN_EXPIRED: 'AUTH_TOKEN_EXPIRED',
  /** The token was issued before its library was evicted with its tokens revoked. Get a new token from your auth endpoint. */
  AUTH_TOKEN_REVOKED: 'AUTH_TOKEN_REVOKED',
  /** The token is for another library. Request a token for this library. */
  AUTH_WRONG_LIBRARY: 'AUTH_WRONG_LIBRARY',
  /** The token's role may not do this (a `read` token pushing ops). Request a `write` token. */
  AUTH_FORBIDDEN: 'AUTH_FORBIDDEN',
  /** The hello's replica id is registered in this library to another user (the `sub` of the token that registered it). A store belongs to one user: open one store (database name) per user. */
  AUTH_REPLICA_FORBIDDEN: 'AUTH_REPLICA_FORBIDDEN',
  /** A token of role `server` (another Trellis server replicating) was used to sync as a replica (a hello, push, …). Replicas use read or write tokens; keep server tokens on servers. Closes 4001. */
  AUTH_SERVER_TOKEN: 'AUTH_SERVER_TOKEN',
  /** A replica's token (read or write) sent a server-to-server message (`peer-*`). Only a token of role `server` replicates: give the peer server the same `--secret`, or a `server` token. Closes 4001. */
  AUTH_REPLICA_TOKEN: 'AUTH_REPLICA_TOKEN',
  /**
   * The token's scope (`scope: { collections?, idPrefix? }` when it was issued) does not cover this: a push or seed
   * holding an op outside it (the whole push is refused, nothing stored; `details` names the op), or a file only
   * documents outside it refer to. Write inside the scope, or request a token whose scope covers the documents.
   */
  AUTH_SCOPE_FORBIDDEN: 'AUTH_SCOPE_FORBIDDEN',

  /** The server decided this replica must reset; the user has to consent with `sync.join()`. */
  SYNC_JOIN_REQUIRED: 'SYNC_JOIN_REQUIRED',
  /** The sync plugin was stopped. Create a new one with `createSync`. */
  SYNC_STOPPED: 'SYNC_STOPPED',
  /** `join()` was called while no join is required. Wait for phase `join-required`. */
  SYNC_NOTHING_TO_JOIN: 'SYNC_NOTHING_TO_JOIN',
  /** An op was rejected by the server (schema, limits, replica mismatch). `details` carries the server's reason. */
  SYNC_OP_REJECTED: 'SYNC_OP_REJECTED',
  /**
   * A server write rule (`rules[collection].write`) refused a pushed op; the message is the rule's (or a
   * generic one when the rule threw). Nobody else saw the op; the writer's store rolled it back and
   * `sync.rejections` reported it. Tell the user, or write only what the rules allow.
   */
  RULE_REJECTED: 'RULE_REJECTED',
  /** The server could not be reached. The plugin keeps retrying with backoff. */
  SYNC_UNREACHABLE: 'SYNC_UNREACHABLE',
  /** Another replica is seeding this empty library, or the library gained history before this replica's seed finished (nothing of the seed was stored). Reconnect with backoff; the next decision says whether to resume or reset. */
  SYNC_LIBRARY_BUSY: 'SYNC_LIBRARY_BUSY',
  /** A `join` named a replica id the library already knows (registered, or with ops or baseline writes there): nothing was changed. The sync plugin joins again under a fresh id by itself; a hand-written client generates a new id and sends `join` again. */
  SYNC_REPLICA_ID_IN_USE: 'SYNC_REPLICA_ID_IN_USE',
  /** Another tab of this replica took over the sync connection before this tab's request (a `join()`, or a reset it was running) finished. Nothing was changed by it; call `join()` again when phase is `join-required`. */
  SYNC_LEADER_CHANGED: 'SYNC_LEADER_CHANGED',
  /** `getToken` threw or rejected (the token endpoint is down or refused). Shown in `state.error` while sync retries with backoff, asking `getToken` again each time; cleared once live. Fix the token endpoint, or make `getToken` resolve. */
  SYNC_TOKEN_UNAVAILABLE: 'SYNC_TOKEN_UNAVAILABLE',
  /** This store syncs with another library, and this library is empty: seeding it would copy the other library's history into it (a store records the library of its first sync and holds one acknowledged position). One store per library: name the store after the library (`createStore({ name: \`app-${library}\` })`). Nothing was sent. A library with history is joined through the consent flow instead. */
  SYNC_WRONG_LIBRARY: 'SYNC_WRONG_LIBRARY',
  /**
   * The server requires a newer schema than this replica's (its hello's `schemaVersion` is below the server's
   * `minSchemaVersion`, or below the `breakingSince` of the schema the server holds; a hello without a schema
   * version counts as outdated there). Nothing was stored. The sync plugin shows phase `outdated` and stops
   * retrying; the store keeps working locally. Ship the app with the newer schema: the next start syncs.
   */
  SYNC_SCHEMA_OUTDATED: 'SYNC_SCHEMA_OUTDATED',

  /** A file is larger than the server's `maxFileSize` (HTTP 413). The server stored nothing; the file stays on this replica only (state `rejected`). Use smaller files or raise the limit. */
  FILE_TOO_LARGE: 'FILE_TOO_LARGE',
  /** The file's bytes are on no replica you can reach: neither here nor on the server (never uploaded, or collected). Put the file again. */
  FILE_NOT_FOUND: 'FILE_NOT_FOUND',
  /** A file id or file reference is malformed (ids are 1 to 64 URL-safe characters). Pass a Blob, or a handle a query returned. */
  FILE_INVALID: 'FILE_INVALID',
  /** An upload or download failed for a reason that may pass (server unreachable, HTTP 5xx). Uploads stay pending and are retried on reconnect. */
  FILE_TRANSFER_FAILED: 'FILE_TRANSFER_FAILED',

  /** A presence state's JSON is bigger than MAX_PRESENCE_BYTES (1 KiB): `details.size`, `details.limit`. Keep presence to small pointers (ids, a cursor position); the previous presence stays in place. */
  PRESENCE_TOO_LARGE: 'PRESENCE_TOO_LARGE',

  /** A push claimed a replica ID other than the connection's. Each connection pushes only its own ops. */
  SERVER_REPLICA_MISMATCH: 'SERVER_REPLICA_MISMATCH',
  /** A push skipped sequence numbers. Push ops in order, without gaps. */
  SERVER_SEQ_GAP: 'SERVER_SEQ_GAP',
  /** An op's timestamp is further ahead of the server's clock than its `maxClockAheadMs` limit allows: every replica would adopt it. Fix the device's clock; the writes stay queued. */
  SERVER_CLOCK_AHEAD: 'SERVER_CLOCK_AHEAD',
  /** A configured limit (ops per push, seed size, connections per library or per token, messages per second) was exceeded; `details.limit` names it. Slow down, split the work, or reconnect later (the connection limits and the rate limit close with TRY_AGAIN_LATER). */
  SERVER_LIMIT_EXCEEDED: 'SERVER_LIMIT_EXCEEDED',
  /** The server failed in a way it does not expose. Retry; report it if it persists. */
  SERVER_INTERNAL: 'SERVER_INTERNAL',
  /** A server dialed itself as a peer (its peer-hello names its own server id). Remove its own URL from `peers` / `--peer`. */
  SERVER_PEER_SELF: 'SERVER_PEER_SELF',
  /** An admin route named a library the server holds no rows for (never synced, or evicted). Check the name; `evict` of such a library still revokes its tokens when asked. */
  ADMIN_LIBRARY_NOT_FOUND: 'ADMIN_LIBRARY_NOT_FOUND',
  /** An admin request was malformed: an unknown route or method, a library name that is not a valid name, a body that is not the JSON object the route takes, or a body over its size limit (`details.limit`). Fix the request; nothing was changed. */
  ADMIN_REQUEST_INVALID: 'ADMIN_REQUEST_INVALID',
  /**
   * Sync over HTTP: the session a request names is not open (it expired after its idle timeout with no poll
   * waiting, was ended, was closed by the server, or never existed), or belongs to another user or library.
   * Open a new session and say hello again; the HTTP transport does this by itself. Nothing was changed.
   */
  HTTP_SESSION_NOT_FOUND: 'HTTP_SESSION_NOT_FOUND',
  /**
   * A request to the HTTP sync routes was malformed: an unknown route or method, a library name that is not
   * a valid name, an empty body, or a snapshot URL whose epoch or seq is not one. `details.status` is its HTTP
   * status. Fix the request; nothing was changed.
   */
  HTTP_REQUEST_INVALID: 'HTTP_REQUEST_INVALID',
  /**
   * A snapshot URL named an epoch and server seq that are not the library's current ones (it moved on, was
   * evicted, or never existed): HTTP 409 with `details.epoch` and `details.serverSeq` of the current state
   * (absent when the server holds nothing for the library). Request the snapshot those name.
   */
  SNAPSHOT_NOT_CURRENT: 'SNAPSHOT_NOT_CURRENT',
  /** A command-line flag is missing or invalid. Run with --help. */
  CLI_INVALID_FLAG: 'CLI_INVALID_FLAG',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface TrellisErrorOptions {
  details?: Record<string, unknown>;
  cause?: unknown;
}

/** The one error class of Trellis. Check it with `isTrellisError(err, code)`. */
export class TrellisError extends Error {
  override readonly name = 'TrellisError';
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: TrellisErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }

  toJSON(): { code: ErrorCode; message: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/**
 * True when `err` is a TrellisError (by name and code, so two loaded copies of
 * Trellis still agree), optionally with the given code.
 */
export function isTrellisError(err: unknown, code?: ErrorCode): err is TrellisError {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { name?: unknown; code?: unknown };
  if (e.name !== 'TrellisError' || typeof e.code !== 'string') return false;
  return code === undefined || e.code === code;
}

/** Wrap a foreign error (DOMException, SQLite, ws) where it enters our code. */
export function wrapError(err: unknown, code: ErrorCode, message: string): TrellisError {
  if (isTrellisError(err)) return err;
  return new TrellisError(code, `${message}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

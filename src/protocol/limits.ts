/**
 * Wire limits. Both sides enforce them; a server may be configured stricter
 * (its `limits` option) but never looser. Changing a value here is a protocol
 * change: bump PROTOCOL_VERSION.
 */

/** Largest frame either side sends: the UTF-8 bytes of one JSON message. Bigger frames are answered with PROTOCOL_MESSAGE_TOO_LARGE. */
export const MAX_FRAME_BYTES = 1024 * 1024;

/**
 * What a transport accepts before it gives up on a frame (WebSocket close code
 * 1009). Above MAX_FRAME_BYTES so that an oversized frame up to this size is
 * answered with an `error` frame instead of a dropped connection.
 */
export const TRANSPORT_MAX_BYTES = 2 * MAX_FRAME_BYTES;

/** Most ops in one `push`. */
export const MAX_OPS_PER_PUSH = 1000;

/** Target size of one `snapshot` or `ops` chunk; an item bigger than this travels alone. */
export const SNAPSHOT_CHUNK_BYTES = 256 * 1024;

/** Longest collection name, document id, path segment or list item id, in UTF-16 code units (names.ts holds the whole rule). */
export const MAX_NAME_LENGTH = 256;

/** Most segments in a field path. */
export const MAX_PATH_SEGMENTS = 32;

/** Deepest nesting of arrays and objects in a JSON value (a flat object is depth 1). */
export const MAX_JSON_DEPTH = 32;

/** Longest fractional list position key. */
export const MAX_POSITION_LENGTH = 1024;

/** Longest library epoch. */
export const MAX_EPOCH_LENGTH = 64;

/**
 * Latest timestamp (ms since the epoch, 3000-01-01) an op may carry. Every
 * replica adopts a remote timestamp ahead of its clock, so a timestamp near
 * the end of the 13-character range (year ~5188) would leave every replica of
 * a library unable to stamp another write; this keeps millennia in between.
 */
export const MAX_TIMESTAMP_MS = 32_503_680_000_000;

/**
 * Largest presence state, in UTF-8 bytes of its JSON. Small on purpose: on
 * Cloudflare it travels in the socket's hibernation attachment (2 KiB in all,
 * beside the connection's own state). Presence points at things (ids, a
 * cursor); it does not carry them.
 */
export const MAX_PRESENCE_BYTES = 1024;

/** Largest profile a server sends for a user (UTF-8 bytes of its JSON); a bigger one is sent as null. */
export const MAX_PROFILE_BYTES = 4096;

/** Malformed frames (undecodable) a server tolerates on one connection before closing it with POLICY_VIOLATION. */
export const MAX_BAD_FRAMES = 8;

/**
 * Room every frame keeps for what surrounds one op: the frame's own fields at
 * their largest (a `snapshot`: a 64-character epoch, which JSON may escape to
 * 384 bytes, three safe integers, progress and `done: false`) and the server
 * seq an `ops` or `snapshot` frame wraps around the op. The largest envelope
 * of today's frames is about 600 bytes; the rest is room for fields a later
 * version adds. test/unit/protocol/frame-envelopes.test.ts builds the
 * largest envelope of every frame kind that carries ops and checks it.
 */
export const MAX_ENVELOPE_BYTES = 4096;

/**
 * Largest op: the UTF-8 bytes of its JSON (`opBytes`), 1,044,480. An op at
 * this size fits, alone, in every frame that carries ops (push, seed, ops,
 * snapshot) under MAX_FRAME_BYTES. The store refuses a bigger write; the
 * server refuses a pushed or seeded one with PROTOCOL_OP_TOO_LARGE.
 */
export const MAX_OP_BYTES = MAX_FRAME_BYTES - MAX_ENVELOPE_BYTES;

/**
 * Largest baseline: the UTF-8 bytes of its JSON (collection, id, state,
 * replicaId, ts), 1,044,480, so that one at this size fits, alone, in a
 * snapshot or seed frame. A document whose compacted state would be bigger
 * is not compacted: its ops stay in the log and travel as ops
 * (`baselineFits`, both sides).
 */
export const MAX_BASELINE_BYTES = MAX_FRAME_BYTES - MAX_ENVELOPE_BYTES;

/** Longest `message` of a `reject` (UTF-16 code units): a longer rule message is cut to it. */
export const MAX_REJECTION_MESSAGE_LENGTH = 1000;

/**
 * Most collections, and most id prefixes, in one replication query or token
 * scope (query.ts). A scope travels inside the token, on the socket's URL,
 * where proxies and Node's 16 KiB header bound take it: 16 names of at most
 * MAX_NAME_LENGTH each, twice, stay under that once signed and encoded.
 */
export const MAX_QUERY_COLLECTIONS = 16;
export const MAX_QUERY_PREFIXES = 16;

/**
 * WebSocket close codes the server uses. 1000-1015 are the standard codes
 * (RFC 6455); 4000-4999 are Trellis's own. Each says whether the client should
 * reconnect. The server always sends an `error` frame explaining the close
 * first, except for GOING_AWAY, MESSAGE_TOO_BIG (the transport closes by itself)
 * and the library closes (LIBRARY_EVICTED, LIBRARY_RESEEDED).
 */
export const CloseCode = {
  /** Normal closure. */
  NORMAL: 1000,
  /** The server is shutting down. Reconnect with backoff. */
  GOING_AWAY: 1001,
  /** More than MAX_BAD_FRAMES undecodable frames on this connection. A client bug: do not reconnect in a loop. */
  POLICY_VIOLATION: 1008,
  /** A frame exceeded TRANSPORT_MAX_BYTES; the transport closed the socket without reading it. Send smaller frames. */
  MESSAGE_TOO_BIG: 1009,
  /** The server failed (SERVER_INTERNAL). Reconnect with backoff. */
  INTERNAL_ERROR: 1011,
  /** Another replica is seeding this library (SYNC_LIBRARY_BUSY), or a connection limit or the message rate limit was hit (SERVER_LIMIT_EXCEEDED). Reconnect with backoff. */
  TRY_AGAIN_LATER: 1013,
  /** The token is missing, malformed or its signature does not verify (AUTH_TOKEN_MISSING, AUTH_TOKEN_INVALID). Get a new token before reconnecting. */
  AUTH_INVALID: 4001,
  /** The token expired (AUTH_TOKEN_EXPIRED), at connect or later. Reconnect with a fresh token. */
  AUTH_EXPIRED: 4002,
  /** The token names another library (AUTH_WRONG_LIBRARY). Request a token for this library. */
  AUTH_WRONG_LIBRARY: 4003,
  /** The client's protocol version is not served (PROTOCOL_VERSION_MISMATCH). Upgrade; do not reconnect in a loop. */
  VERSION_MISMATCH: 4004,
  /** The library was evicted from the server. Reconnect: the first replica back seeds it again, the others reset. */
  LIBRARY_EVICTED: 4005,
  /** Another replica seeded this library while it was empty; this connection lacks that history. Reconnect: the decision will be a reset (late-joiner). */
  LIBRARY_RESEEDED: 4006,
  /** The replica id belongs to another user of this library (AUTH_REPLICA_FORBIDDEN). Use one store per user; do not reconnect in a loop. */
  REPLICA_FORBIDDEN: 4007,
  /** The replica's schema is older than the server requires (SYNC_SCHEMA_OUTDATED). Update the app; do not reconnect in a loop. (A hello of protocol 4 or older is closed with VERSION_MISMATCH instead: those clients stop on it.) */
  SCHEMA_OUTDATED: 4008,
} as const;

export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

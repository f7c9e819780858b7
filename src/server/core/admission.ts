/**
 * Admission limits (SyncLimits): authorized connections per library, per
 * token and per user, checked when a connection is authorized, and a per-connection
 * message rate (a token bucket; a larger one for a link with another server), checked on every frame before it is decoded.
 * Hitting one is answered SERVER_LIMIT_EXCEEDED, `details.limit` naming it,
 * and the socket is closed with TRY_AGAIN_LATER: the client reconnects with
 * backoff, and nothing the frame asked for happened. A server restart or a
 * Durable Object waking up starts every bucket full.
 */
import { ErrorCode, TrellisError } from '../../core/index.js';
import { CloseCode, utf8Length } from '../../protocol/index.js';
import type { Frame } from '../../protocol/index.js';
import { libraryConnections } from './context.js';
import type { ConnectionState, Refusal } from './context.js';
import { refuse } from './outbox.js';
import type { Claims } from './types.js';

type Limit = 'connectionsPerLibrary' | 'connectionsPerToken' | 'connectionsPerUser' | 'messagesPerSecond';

/** A token is known by its claims (the server never keeps token strings): one user, role and expiry. */
const tokenKey = (claims: Claims) => `${claims.user}\u0000${claims.role}\u0000${claims.exp}`;

/** The refusal for a connection about to be authorized with `claims`, if a connection limit is reached. */
export function admissionRefusal(conn: ConnectionState, claims: Claims): Refusal | undefined {
  const { limits } = conn.ctx;
  const others = libraryConnections(conn.ctx, conn.library).filter((c) => c !== conn && c.claims !== undefined);
  if (others.length >= limits.maxConnectionsPerLibrary) {
    return limited({ limit: 'connectionsPerLibrary', max: limits.maxConnectionsPerLibrary, message: 'This library has as many connections as the server allows' });
  }
  const key = tokenKey(claims);
  if (others.filter((c) => tokenKey(c.claims as Claims) === key).length >= limits.maxConnectionsPerToken) {
    return limited({ limit: 'connectionsPerToken', max: limits.maxConnectionsPerToken, message: 'This token has as many connections open as the server allows' });
  }
  // A user can mint tokens of many expiries (each its own token above): this bounds what one user holds of the library.
  if (others.filter((c) => (c.claims as Claims).user === claims.user).length >= limits.maxConnectionsPerUser) {
    return limited({ limit: 'connectionsPerUser', max: limits.maxConnectionsPerUser, message: 'This user has as many connections open to this library as the server allows' });
  }
  return undefined;
}

/** Takes one frame from the connection's bucket; the refusal when it is empty. */
export function rateRefusal(conn: ConnectionState): Refusal | undefined {
  const { limits } = conn.ctx;
  // A link with another server carries the frames of the peer's many replicas: its own, larger bucket.
  const [rate, burst] = conn.peer === undefined ? [limits.maxMessagesPerSecond, limits.messageBurst] : [limits.maxPeerMessagesPerSecond, limits.peerMessageBurst];
  const now = conn.ctx.now();
  const bucket = conn.rate ?? { tokens: burst, at: now };
  bucket.tokens = Math.min(burst, bucket.tokens + (Math.max(0, now - bucket.at) / 1000) * rate);
  bucket.at = now;
  conn.rate = bucket;
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return undefined;
  }
  return limited({ limit: 'messagesPerSecond', max: rate, message: `This connection sent more than ${rate} messages per second` });
}

/** PROTOCOL_MESSAGE_TOO_LARGE when the server is configured stricter than the protocol's MAX_FRAME_BYTES. */
export function frameSizeError(conn: ConnectionState, frame: Frame): TrellisError | undefined {
  const limit = conn.ctx.limits.maxFrameBytes;
  // A string's UTF-8 size is between its length and three times it: count exactly only near the limit.
  if (typeof frame === 'string' ? frame.length * 3 <= limit : frame.byteLength <= limit) return undefined;
  const size = typeof frame === 'string' ? utf8Length(frame) : frame.byteLength;
  if (size <= limit) return undefined;
  return new TrellisError(ErrorCode.PROTOCOL_MESSAGE_TOO_LARGE, `Frame of ${size} bytes exceeds this server's ${limit}; send smaller chunks.`, {
    details: { size, limit },
  });
}

function limited(o: { limit: Limit; max: number; message: string }): Refusal {
  return refuse(ErrorCode.SERVER_LIMIT_EXCEEDED, `${o.message} (${o.limit}: ${o.max}); reconnect later.`, {
    details: { limit: o.limit, max: o.max },
    close: CloseCode.TRY_AGAIN_LATER,
  });
}

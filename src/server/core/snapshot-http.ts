/**
 * A library's snapshot as plain HTTP serves it (`GET …/snapshots/<epoch>/<serverSeq>`):
 * the very `snapshot` frames a joining socket gets, built by stream.ts's
 * sendSnapshot into a capturing socket (plain or packed by the protocol the
 * request names), so there is one way to build a snapshot.
 *
 * Only the library's current (epoch, head) is served: a URL naming them
 * names one state, which is why the answer may be cached as immutable. The
 * entity tag adds the horizon, the protocol and the chunk budget: for a
 * given (epoch, head, horizon) the stored baselines and ops are fixed (each
 * compaction step moves the horizon), and the frames are a pure function of
 * them, so equal tags mean equal bytes (a strong validator) without reading
 * or hashing the body.
 */
import { MIN_PROTOCOL_VERSION, PROTOCOL_VERSION, canonicalJson } from '../../protocol/index.js';
import { sha256Hex } from '../../protocol/sha256.js';
import type { ServerContext } from './context.js';
import { readLibrary } from './libraries.js';
import { connectionState } from './saved-connection.js';
import { sendSnapshot } from './stream.js';
import type { SnapshotRequest, SnapshotResult } from './snapshot-types.js';
import type { Claims, ServerSocket } from './types.js';

export function snapshotForHttp(ctx: ServerContext, request: SnapshotRequest<Claims>): SnapshotResult {
  const row = readLibrary(ctx.sql, request.library);
  if (row === undefined) return { kind: 'stale', current: undefined };
  const current = { epoch: row.epoch, serverSeq: row.head_seq };
  if (row.epoch !== request.epoch || row.head_seq !== request.serverSeq) return { kind: 'stale', current };
  const protocol = Math.min(Math.max(request.protocol, MIN_PROTOCOL_VERSION), PROTOCOL_VERSION);
  const etag = `"${row.epoch}.${row.head_seq}.${row.horizon}.p${protocol}.c${ctx.limits.chunkBytes}${scopeTag(request.claims)}"`;
  if (request.ifNoneMatch !== undefined && matchesTag(request.ifNoneMatch, etag)) return { kind: 'not-modified', etag };
  const frames: string[] = [];
  let refused: { code: number; reason: string } | undefined;
  const socket: ServerSocket = { send: (frame) => void frames.push(frame), close: (code, reason) => void (refused = { code, reason }) };
  // Never registered: it receives no fan-out, and nothing of it outlives this call.
  const conn = connectionState(ctx, { socket, library: request.library });
  conn.claims = request.claims;
  conn.protocol = protocol;
  sendSnapshot(conn, row);
  // A client too old for what the library holds (counters) gets its refusal, as on a socket.
  if (refused !== undefined) return { kind: 'refused', frames, close: refused };
  return { kind: 'snapshot', frames, etag };
}

/**
 * A scoped token's snapshot holds only its scope, so the tag names the scope: a tag from another scope never
 * matches: 16 hex digits of SHA-256 over the scope's canonical JSON.
 */
function scopeTag(claims: Claims): string {
  return claims.scope === undefined ? '' : `.s${sha256Hex(canonicalJson(claims.scope)).slice(0, 16)}`;
}

/** If-None-Match: `*`, or a comma-separated list of tags (a weak `W/` prefix compares weakly, which equal strong tags also pass). */
function matchesTag(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

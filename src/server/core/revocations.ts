/**
 * Token revocation per library. `evict(library, { revokeTokens: true })`
 * records the moment; from then on a token for that library issued (`iat`)
 * at or before it is refused with AUTH_TOKEN_REVOKED (close AUTH_INVALID, so
 * a client with `getToken` comes back with a fresh token). A token without
 * `iat` counts as issued at the epoch. Revocations outlive the library's
 * rows, so a token older than an eviction cannot re-create the library.
 */
import { ErrorCode, TrellisError } from '../../core/index.js';
import { CloseCode } from '../../protocol/index.js';
import type { Refusal } from './context.js';
import type { Claims, SqlStorage } from './types.js';

export function revokeTokens(sql: SqlStorage, o: { library: string; now: number }): void {
  sql.exec(
    `INSERT INTO revocations (library, before_ms) VALUES (?, ?)
     ON CONFLICT (library) DO UPDATE SET before_ms = MAX(before_ms, excluded.before_ms)`,
    o.library,
    o.now,
  );
}

/** The refusal for claims issued before the library's last revocation. */
export function revocationRefusal(sql: SqlStorage, o: { library: string; claims: Claims }): Refusal | undefined {
  const [row] = sql.exec<{ before_ms: number }>('SELECT before_ms FROM revocations WHERE library = ?', o.library);
  if (row === undefined || (o.claims.iat ?? 0) * 1000 > row.before_ms) return undefined;
  const error = new TrellisError(ErrorCode.AUTH_TOKEN_REVOKED, 'The token was issued before this library was evicted with its tokens revoked; get a new token.', {
    details: { revokedAt: row.before_ms },
  });
  return { error, close: CloseCode.AUTH_INVALID };
}

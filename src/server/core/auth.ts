/**
 * Signed tokens: JWT HS256 (jose) with `sub` = user, `lib` = library,
 * `role` = 'read' | 'write' | 'admin', `aud`, `iat`, `exp` and, when issued with one,
 * `scope` (protocol/query.ts: the documents the token may read and write). Runs wherever WebCrypto
 * does (Node, Workers, browsers).
 */
import { SignJWT, jwtVerify } from 'jose';
import type { JWTPayload } from 'jose';
import * as v from 'valibot';
import { ErrorCode, TrellisError } from '../../core/index.js';
import { QuerySchema, parseQuery } from '../../protocol/index.js';
import type { Query, ReplicationQuery } from '../../protocol/index.js';
import { parseDuration } from './duration.js';
import type { Claims, Role } from './types.js';

export interface TokenProviderOptions {
  /** The shared HMAC secret; use at least 32 random bytes. */
  readonly secret: string | Uint8Array;
  /** The `aud` claim issued and required. Default 'trellis'. */
  readonly audience?: string;
  /** Milliseconds since the epoch; injected so tests can issue and check expiry. Default Date.now. */
  readonly now?: () => number;
}

export interface IssueOptions {
  readonly library: string;
  readonly user: string;
  readonly role: Role;
  /**
   * The part of the library the token may read and write (protocol/query.ts): the server sends it nothing
   * outside and refuses its ops outside with AUTH_SCOPE_FORBIDDEN. Absent: the whole library.
   */
  readonly scope?: ReplicationQuery;
  /** Seconds, or a duration such as '1h' or '30d'. */
  readonly expiresIn: number | string;
}

export interface TokenProvider {
  issue(options: IssueOptions): Promise<string>;
  /** The claims, or a TrellisError AUTH_TOKEN_MISSING (unparsable), AUTH_TOKEN_INVALID or AUTH_TOKEN_EXPIRED. */
  verify(token: string): Promise<Claims>;
}

/**
 *   const tokens = createTokenProvider({ secret: process.env.TRELLIS_SECRET });
 *   const token = await tokens.issue({ library: 'team-42', user: 'ada', role: 'write', expiresIn: '1h' });
 */
export function createTokenProvider(options: TokenProviderOptions): TokenProvider {
  const key = typeof options.secret === 'string' ? utf8(options.secret) : options.secret;
  if (key.length === 0) throw new TrellisError(ErrorCode.INVALID_ARGUMENT, 'The token secret must not be empty.');
  const audience = options.audience ?? 'trellis';
  const now = options.now ?? Date.now;
  return {
    async issue({ library, user, role, scope, expiresIn }) {
      const iat = Math.floor(now() / 1000);
      // Checked before signing: a token with a malformed scope is never issued (INVALID_ARGUMENT).
      const claim = scope === undefined ? {} : { scope: parseQuery(scope, 'issue: `scope`') };
      return new SignJWT({ lib: library, role, ...claim })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(user)
        .setAudience(audience)
        .setIssuedAt(iat)
        .setExpirationTime(iat + Math.round(parseDuration(expiresIn)))
        .sign(key);
    },
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], audience, currentDate: new Date(now()), requiredClaims: ['exp', 'sub'] });
        return toClaims(payload);
      } catch (err) {
        throw toAuthError(err);
      }
    },
  };
}

/** Every runtime jose supports has TextEncoder; it is reached through globalThis so this file type-checks without DOM or Node types. */
function utf8(text: string): Uint8Array {
  const { TextEncoder: Encoder } = globalThis as unknown as { TextEncoder: new () => { encode(input: string): Uint8Array } };
  return new Encoder().encode(text);
}

function toClaims(payload: JWTPayload): Claims {
  const { sub, lib, role, exp, iat, scope } = payload as JWTPayload & { lib?: unknown; role?: unknown; scope?: unknown };
  if (typeof sub !== 'string' || sub === '' || typeof lib !== 'string' || lib === '' || typeof exp !== 'number' || (role !== 'read' && role !== 'write' && role !== 'admin' && role !== 'server')) {
    throw new TrellisError(ErrorCode.AUTH_TOKEN_INVALID, 'The token lacks sub, lib, role or exp; get a new token from your auth endpoint.');
  }
  const claims: Claims = typeof iat === 'number' ? { library: lib, user: sub, role, exp, iat } : { library: lib, user: sub, role, exp };
  return scope === undefined ? claims : { ...claims, scope: scopeClaim(scope) };
}

/** A signed scope that is not a valid query (another issuer's token) grants nothing: the token is refused. */
function scopeClaim(scope: unknown): Query {
  const parsed = v.safeParse(QuerySchema, scope);
  if (!parsed.success) throw new TrellisError(ErrorCode.AUTH_TOKEN_INVALID, 'The token\'s scope is not a valid { collections?, idPrefix? }; get a new token from your auth endpoint.');
  return parsed.output;
}

/** jose's errors become AUTH_* TrellisErrors, keeping the original as `cause`. */
function toAuthError(err: unknown): TrellisError {
  if (err instanceof TrellisError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ERR_JWT_EXPIRED') {
    return new TrellisError(ErrorCode.AUTH_TOKEN_EXPIRED, 'The token has expired; get a fresh token.', { cause: err });
  }
  if (code === 'ERR_JWS_INVALID' || code === 'ERR_JWT_INVALID') {
    return new TrellisError(ErrorCode.AUTH_TOKEN_MISSING, 'The token could not be parsed as a JWT; pass a token from your auth endpoint.', { cause: err });
  }
  return new TrellisError(ErrorCode.AUTH_TOKEN_INVALID, 'The token does not verify (wrong secret, audience or algorithm); get a new token.', { cause: err });
}

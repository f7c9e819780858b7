/**
 * Signed tokens: JWT HS256 (jose) with `sub` = user, `lib` = library,
 * `role` = 'read' | 'write' | 'admin', `aud`, `iat` and `exp`. Runs wherever WebCrypto
 * does (Node, Workers, browsers).
 */
import { SignJWT, jwtVerify } from 'jose';
import type { JWTPayload } from 'jose';
import { ErrorCode, TrellisError } from '../../core/index.js';
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
    async issue({ library, user, role, expiresIn }) {
      const iat = Math.floor(now() / 1000);
      return new SignJWT({ lib: library, role })
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
  const { sub, lib, role, exp, iat } = payload as JWTPayload & { lib?: unknown; role?: unknown };
  if (typeof sub !== 'string' || sub === '' || typeof lib !== 'string' || lib === '' || typeof exp !== 'number' || (role !== 'read' && role !== 'write' && role !== 'admin' && role !== 'server')) {
    throw new TrellisError(ErrorCode.AUTH_TOKEN_INVALID, 'The token lacks sub, lib, role or exp; get a new token from your auth endpoint.');
  }
  return typeof iat === 'number' ? { library: lib, user: sub, role, exp, iat } : { library: lib, user: sub, role, exp };
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

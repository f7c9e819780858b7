/**
 * Unsigned tokens for in-process tests: `test.<URI-encoded JSON claims>`,
 * verified synchronously, so schedules stay deterministic (no WebCrypto).
 * NEVER use them with a server reachable by anyone: they prove nothing.
 */
import { ErrorCode, TrellisError } from '../core/index.js';
import type { Claims, Role, VerifyToken } from '../server/core/index.js';

/** Far in the future (seconds since the epoch): tokens that never expire in a test. */
export const TEST_TOKEN_NEVER_EXPIRES = 4_000_000_000;

export interface TestTokenClaims {
  readonly library: string;
  readonly user?: string;
  readonly role?: Role;
  /** Seconds since the epoch. Default: never. */
  readonly exp?: number;
}

/**
 *   const token = testToken({ library: 'team', user: 'ada', role: 'write' });
 *   createMemoryServer({ verifyToken: verifyTestToken });
 */
export function testToken(claims: TestTokenClaims): string {
  const full: Claims = { library: claims.library, user: claims.user ?? 'test-user', role: claims.role ?? 'write', exp: claims.exp ?? TEST_TOKEN_NEVER_EXPIRES };
  return `test.${encodeURIComponent(JSON.stringify(full))}`;
}

/** Checks the shape only (and expiry against `now`, in ms); throws AUTH_TOKEN_MISSING or AUTH_TOKEN_EXPIRED. */
export function createTestTokenVerifier(now: () => number = Date.now): VerifyToken {
  return (token) => {
    const claims = parse(token);
    if (claims === undefined) throw new TrellisError(ErrorCode.AUTH_TOKEN_MISSING, 'Not a test token; make one with testToken().');
    if (claims.exp * 1000 <= now()) throw new TrellisError(ErrorCode.AUTH_TOKEN_EXPIRED, 'The test token has expired.');
    return claims;
  };
}

/** A verifier for test tokens that never checks expiry against a clock other than Date.now. */
export const verifyTestToken: VerifyToken = createTestTokenVerifier();

function parse(token: string): Claims | undefined {
  if (!token.startsWith('test.')) return undefined;
  try {
    const value = JSON.parse(decodeURIComponent(token.slice(5))) as Partial<Claims>;
    const { library, user, role, exp } = value;
    if (typeof library !== 'string' || typeof user !== 'string' || (role !== 'read' && role !== 'write' && role !== 'admin') || typeof exp !== 'number') return undefined;
    return { library, user, role, exp };
  } catch {
    return undefined;
  }
}

import { SignJWT } from 'jose';
import { describe, expect, test } from 'vitest';
import { isTrellisError } from 'trellis';
import { createTokenProvider, parseDuration } from 'trellis/server';

const secret = 'a-test-secret-of-enough-length-0123456789';
let now = 1_700_000_000_000;
const tokens = createTokenProvider({ secret, now: () => now });

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
}

describe('token provider', () => {
  test('issues HS256 JWTs whose claims verify back', async () => {
    const token = await tokens.issue({ library: 'team-42', user: 'ada', role: 'read', expiresIn: '1h' });
    const [header, payload] = token.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(payload).toEqual({ sub: 'ada', lib: 'team-42', role: 'read', aud: 'trellis', iat: now / 1000, exp: now / 1000 + 3600 });
    expect(await tokens.verify(token)).toEqual({ library: 'team-42', user: 'ada', role: 'read', exp: now / 1000 + 3600, iat: now / 1000 });
  });

  test('expiresIn may be seconds', async () => {
    const token = await tokens.issue({ library: 'l', user: 'u', role: 'write', expiresIn: 90 });
    expect((await tokens.verify(token)).exp).toBe(now / 1000 + 90);
  });

  test('an expired token is AUTH_TOKEN_EXPIRED', async () => {
    const token = await tokens.issue({ library: 'l', user: 'u', role: 'write', expiresIn: 60 });
    now += 61_000;
    try {
      expect(isTrellisError(await rejection(tokens.verify(token)), 'AUTH_TOKEN_EXPIRED')).toBe(true);
    } finally {
      now -= 61_000;
    }
  });

  test('a token signed with another secret is AUTH_TOKEN_INVALID', async () => {
    const other = createTokenProvider({ secret: 'another-secret-entirely-0123456789', now: () => now });
    const token = await other.issue({ library: 'l', user: 'u', role: 'write', expiresIn: '1h' });
    expect(isTrellisError(await rejection(tokens.verify(token)), 'AUTH_TOKEN_INVALID')).toBe(true);
  });

  test('a token for another audience is AUTH_TOKEN_INVALID', async () => {
    const other = createTokenProvider({ secret, audience: 'elsewhere', now: () => now });
    const token = await other.issue({ library: 'l', user: 'u', role: 'write', expiresIn: '1h' });
    expect(isTrellisError(await rejection(tokens.verify(token)), 'AUTH_TOKEN_INVALID')).toBe(true);
  });

  test('a tampered payload is AUTH_TOKEN_INVALID', async () => {
    const token = await tokens.issue({ library: 'l', user: 'u', role: 'read', expiresIn: '1h' });
    const [header, , signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 'u', lib: 'l', role: 'write', aud: 'trellis', exp: now / 1000 + 3600 })).toString('base64url');
    expect(isTrellisError(await rejection(tokens.verify(`${header}.${forged}.${signature}`)), 'AUTH_TOKEN_INVALID')).toBe(true);
  });

  test('garbage is AUTH_TOKEN_MISSING (not a token at all)', async () => {
    expect(isTrellisError(await rejection(tokens.verify('not-a-jwt')), 'AUTH_TOKEN_MISSING')).toBe(true);
  });

  test('a verified token without lib or with an unknown role is AUTH_TOKEN_INVALID', async () => {
    const key = new TextEncoder().encode(secret);
    const sign = (claims: Record<string, unknown>) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('u').setAudience('trellis').setIssuedAt(now / 1000).setExpirationTime(now / 1000 + 60).sign(key);
    expect(isTrellisError(await rejection(tokens.verify(await sign({ role: 'write' }))), 'AUTH_TOKEN_INVALID')).toBe(true);
    expect(isTrellisError(await rejection(tokens.verify(await sign({ lib: 'l', role: 'owner' }))), 'AUTH_TOKEN_INVALID')).toBe(true);
    // admin is a role (admin routes only): it verifies.
    expect(await tokens.verify(await sign({ lib: '*', role: 'admin' }))).toMatchObject({ library: '*', role: 'admin' });
  });

  test('an empty secret is refused', () => {
    expect(() => createTokenProvider({ secret: '' })).toThrow(/secret/);
  });
});

describe('parseDuration', () => {
  test.each([
    [90, 90],
    ['90', 90],
    ['45s', 45],
    ['15m', 900],
    ['1h', 3600],
    ['30d', 2_592_000],
    ['2w', 1_209_600],
    ['2 weeks', 1_209_600],
    ['1.5h', 5400],
  ])('%s is %i seconds', (input, seconds) => {
    expect(parseDuration(input)).toBe(seconds);
  });

  test.each(['', 'soon', '1 fortnight', '-5s', '5 s s'])('"%s" is INVALID_ARGUMENT', (input) => {
    expect(() => parseDuration(input)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

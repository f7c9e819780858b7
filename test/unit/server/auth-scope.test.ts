import { describe, expect, test } from 'vitest';
import { SignJWT } from 'jose';
import { ErrorCode } from 'trellis';
import { createTokenProvider } from 'trellis/server';

const secret = 'scope-test-secret-0123456789abcdef';
const tokens = createTokenProvider({ secret });

describe('token scopes', () => {
  test('a scope issued is verified back in wire form (one idPrefix string becomes a list); none means the whole library', async () => {
    const scoped = await tokens.issue({ library: 'team', user: 'sam', role: 'write', scope: { collections: ['todos'], idPrefix: 'p1/' }, expiresIn: '1h' });
    expect((await tokens.verify(scoped)).scope).toEqual({ collections: ['todos'], idPrefix: ['p1/'] });
    const whole = await tokens.issue({ library: 'team', user: 'sam', role: 'write', expiresIn: '1h' });
    expect((await tokens.verify(whole)).scope).toBeUndefined();
  });

  test('a malformed scope is never issued (INVALID_ARGUMENT), at 16 prefixes it is, at 17 not', async () => {
    const issue = (scope: unknown) => tokens.issue({ library: 'team', user: 'sam', role: 'write', scope: scope as never, expiresIn: '1h' });
    await expect(issue({ idPrefix: '' })).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
    await expect(issue({ projects: ['a'] })).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
    const sixteen = Array.from({ length: 16 }, (_, i) => `p${i}/`);
    expect((await tokens.verify(await issue({ idPrefix: sixteen }))).scope?.idPrefix).toHaveLength(16);
    await expect(issue({ idPrefix: [...sixteen, 'p16/'] })).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
  });

  test('a signed token whose scope claim is not a valid query grants nothing: AUTH_TOKEN_INVALID', async () => {
    const key = new TextEncoder().encode(secret);
    const forged = await new SignJWT({ lib: 'team', role: 'write', scope: { idPrefix: [''] } })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('sam')
      .setAudience('trellis')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key);
    await expect(tokens.verify(forged)).rejects.toMatchObject({ code: ErrorCode.AUTH_TOKEN_INVALID });
  });
});

/**
 * Admission (SyncLimits): besides the per-token limit, a user may hold at most
 * maxConnectionsPerUser connections to one library, whatever its tokens'
 * expiries, so one user's flood leaves room for everyone else.
 */
import { describe, expect, test } from 'vitest';
import { ErrorCode, TrellisError } from 'trellis';
import { CloseCode } from 'trellis/protocol';
import type { Claims, Role, VerifyToken } from 'trellis/server';
import { FAR_FUTURE_S, createFakeServer } from '../../helpers/fake-sync-server.js';

/** `role:library:user:exp`: the expiry is part of the token, so each exp is another token. */
const verifyWithExpiry: VerifyToken = (token) => {
  const [role = '', library = '', user = '', exp = String(FAR_FUTURE_S)] = token.split(':');
  if (role !== 'read' && role !== 'write') throw new TrellisError(ErrorCode.AUTH_TOKEN_INVALID, 'bad token');
  return { library, user, role: role as Role, exp: Number(exp) } satisfies Claims;
};

describe('connections per user', () => {
  test("one user's connections under tokens of different expiries stop at maxConnectionsPerUser and leave room for another user", () => {
    const fake = createFakeServer({ verifyToken: verifyWithExpiry, limits: { maxConnectionsPerLibrary: 40, maxConnectionsPerToken: 32, maxConnectionsPerUser: 32 } });
    const flood = Array.from({ length: 40 }, (_, i) => fake.connect('lib', `write:lib:mallory:${FAR_FUTURE_S - i}`));
    const admitted = flood.filter((c) => c.closedWith === undefined);
    expect(admitted).toHaveLength(32);
    const refused = flood[32]!;
    expect(refused.take('error')).toMatchObject({ code: ErrorCode.SERVER_LIMIT_EXCEEDED, details: { limit: 'connectionsPerUser', max: 32 } });
    expect(refused.closedWith?.code).toBe(CloseCode.TRY_AGAIN_LATER);
    const ada = fake.connect('lib', 'read:lib:ada');
    expect(ada.closedWith).toBeUndefined();
    expect(ada.hello({ replicaId: 'ADA' }).type).toBe('decision');
  });

  test('the limit counts per library, both roles, and frees a slot when a connection closes', () => {
    const fake = createFakeServer({ verifyToken: verifyWithExpiry, limits: { maxConnectionsPerUser: 2 } });
    const first = fake.connect('lib', 'write:lib:bob:4000000001');
    fake.connect('lib', 'read:lib:bob:4000000002');
    const third = fake.connect('lib', 'write:lib:bob:4000000003');
    expect(third.take('error')).toMatchObject({ details: { limit: 'connectionsPerUser', max: 2 } });
    expect(fake.connect('other', 'write:other:bob').closedWith).toBeUndefined();
    first.disconnect();
    expect(fake.connect('lib', 'write:lib:bob:4000000004').closedWith).toBeUndefined();
  });
});

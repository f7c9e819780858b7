import { describe, expect, test } from 'vitest';
import { ErrorCode } from 'trellis';
import { CloseCode } from 'trellis/protocol';
import { createTokenProvider } from 'trellis/server';
import { openClient } from '../helpers/protocol-client.js';
import { TEST_SECRET, servers } from '../helpers/servers.js';
import type { ServerUnderTest } from '../helpers/servers.js';

describe.each(servers)('tokens at the socket ($name)', (factory) => {
  test.each([
    ['a missing token', async () => undefined, ErrorCode.AUTH_TOKEN_MISSING, CloseCode.AUTH_INVALID],
    ['garbage', async () => 'not-a-jwt', ErrorCode.AUTH_TOKEN_MISSING, CloseCode.AUTH_INVALID],
    [
      'a bad signature',
      async () => createTokenProvider({ secret: 'some-other-secret-0123456789' }).issue({ library: 'team', user: 'eve', role: 'write', expiresIn: '1h' }),
      ErrorCode.AUTH_TOKEN_INVALID,
      CloseCode.AUTH_INVALID,
    ],
    [
      'an expired token',
      async () => createTokenProvider({ secret: TEST_SECRET, now: () => Date.now() - 7_200_000 }).issue({ library: 'team', user: 'ada', role: 'write', expiresIn: '1h' }),
      ErrorCode.AUTH_TOKEN_EXPIRED,
      CloseCode.AUTH_EXPIRED,
    ],
    [
      'a token for another library',
      async (server: ServerUnderTest) => server.token('elsewhere'),
      ErrorCode.AUTH_WRONG_LIBRARY,
      CloseCode.AUTH_WRONG_LIBRARY,
    ],
  ])('%s is refused with an error frame and a close code', async (_name, makeToken, code, closeCode) => {
    const server = await factory.start();
    const token = await makeToken(server);
    const client = await openClient({ url: server.url, library: 'team', token });
    expect((await client.next('error')).code).toBe(code);
    expect((await client.closed).code).toBe(closeCode);
    expect(await server.query('team', 'SELECT COUNT(*) AS n FROM libraries')).toEqual([{ n: 0 }]);
  });

  test('a token that expires while connected closes the socket at the next message', async () => {
    const server = await factory.start({ clock: 1_700_000_000_000 });
    const client = await server.connect('team', { expiresIn: 60 });
    await client.hello({ replicaId: 'A' });
    await server.advanceClock(61_000);
    client.send({ type: 'seed', baselines: [], ops: [], done: true });
    expect((await client.next('error')).code).toBe(ErrorCode.AUTH_TOKEN_EXPIRED);
    expect((await client.closed).code).toBe(CloseCode.AUTH_EXPIRED);
  });
});

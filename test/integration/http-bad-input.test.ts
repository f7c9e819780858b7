/**
 * Bad input over the HTTP sync routes, against the Node server and the
 * Durable Object: an unknown session, an oversized or empty body, bad JSON, a
 * wrong or missing token, an admin token, a bad route. Each gets a typed
 * error (with its HTTP status) and changes nothing: no op is stored and the
 * owner's session goes on working.
 */
import { describe, expect, test } from 'vitest';
import { ErrorCode } from 'trellis';
import { CloseCode, MAX_FRAME_BYTES, PROTOCOL_VERSION } from 'trellis/protocol';
import { cloudflareServer, servers } from '../helpers/servers.js';
import type { ServerUnderTest } from '../helpers/servers.js';
import { wireOps } from '../helpers/wire-ops.js';

type Answer = { status: number; body: Record<string, unknown> | undefined };

function client(server: ServerUnderTest, library = 'lib') {
  const base = `${server.origin}/parties/trellis/${library}/sessions`;
  const call = async (o: { method: string; path?: string; token?: string | undefined; body?: string }): Promise<Answer> => {
    const response = await fetch(`${base}${o.path ?? ''}`, {
      method: o.method,
      headers: o.token === undefined ? {} : { authorization: `Bearer ${o.token}` },
      ...(o.body === undefined ? {} : { body: o.body }),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>) };
  };
  return {
    call,
    async open(token: string): Promise<{ id: string; post: (body: string) => Promise<Answer>; poll: () => Promise<string[]> }> {
      const opened = await call({ method: 'POST', token });
      expect(opened.status).toBe(200);
      const id = opened.body?.session as string;
      return {
        id,
        post: (body) => call({ method: 'POST', path: `/${id}`, token, body }),
        poll: async () => {
          const answer = await call({ method: 'GET', path: `/${id}`, token });
          expect(answer.status).toBe(200);
          return answer.body?.frames as string[];
        },
      };
    },
  };
}

/** A session of a writer who seeded `lib` with one op and is live. */
async function liveWriter(server: ServerUnderTest) {
  const http = client(server);
  const token = await server.token('lib');
  const session = await http.open(token);
  expect((await session.post(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, replicaId: 'A', cursor: null, localSeq: 1, atRisk: 1 }))).status).toBe(202);
  expect((await session.post(JSON.stringify({ type: 'seed', baselines: [], ops: wireOps('A', 1, 1), done: true }))).status).toBe(202);
  const types: string[] = [];
  while (!types.includes('synced')) types.push(...(await session.poll()).map((f) => JSON.parse(f).type as string));
  return { http, token, session };
}

/** The token with another signature: well-formed, but it does not verify. */
const tampered = (token: string) => `${token.slice(0, token.lastIndexOf('.') + 1)}${'A'.repeat(43)}`;

const storedOps = async (server: ServerUnderTest) => (await server.query<{ n: number }>('lib', 'SELECT COUNT(*) AS n FROM ops'))[0]?.n;

describe.each(servers)('bad input over HTTP ($name)', (factory) => {
  test('an unknown session is 404 HTTP_SESSION_NOT_FOUND for poll, post and end', async () => {
    const server = await factory.start();
    const { http, token } = await liveWriter(server);
    for (const method of ['GET', 'POST', 'DELETE']) {
      const answer = await http.call({ method, path: '/no-such-session', token, body: method === 'POST' ? '{}' : undefined as never });
      expect([answer.status, answer.body?.code]).toEqual([404, ErrorCode.HTTP_SESSION_NOT_FOUND]);
    }
    expect(await storedOps(server)).toBe(1);
  });

  test('a body of MAX_FRAME_BYTES reaches the core; one byte more is 413 PROTOCOL_MESSAGE_TOO_LARGE and the session goes on', async () => {
    const server = await factory.start();
    const { session } = await liveWriter(server);
    const atLimit = 'x'.repeat(MAX_FRAME_BYTES);
    expect((await session.post(atLimit)).status).toBe(202);
    const [frame] = await session.poll();
    expect(JSON.parse(frame as string)).toMatchObject({ type: 'error', code: ErrorCode.PROTOCOL_INVALID_MESSAGE });
    const over = await session.post(`${atLimit}x`);
    expect([over.status, over.body?.code]).toEqual([413, ErrorCode.PROTOCOL_MESSAGE_TOO_LARGE]);
    expect((await session.post(JSON.stringify({ type: 'push', ops: wireOps('A', 2, 2) }))).status).toBe(202);
    expect((await session.poll()).map((f) => JSON.parse(f).type)).toEqual(['ack']);
    expect(await storedOps(server)).toBe(2);
  });

  test('bad JSON and an empty body are refused and store nothing', async () => {
    const server = await factory.start();
    const { session } = await liveWriter(server);
    expect((await session.post('{"type":"push","ops":[')).status).toBe(202);
    expect(JSON.parse((await session.poll())[0] as string)).toMatchObject({ type: 'error', code: ErrorCode.PROTOCOL_INVALID_MESSAGE });
    const empty = await session.post('');
    expect([empty.status, empty.body?.code]).toEqual([400, ErrorCode.HTTP_REQUEST_INVALID]);
    expect(await storedOps(server)).toBe(1);
  });

  test('a missing, unparsable, tampered, other library\'s or admin token cannot open, and another user\'s token cannot use a session', async () => {
    const server = await factory.start();
    const { http, session } = await liveWriter(server);
    const cases: [string | undefined, number, string, number][] = [
      [undefined, 401, ErrorCode.AUTH_TOKEN_MISSING, CloseCode.AUTH_INVALID],
      ['not-a-token', 401, ErrorCode.AUTH_TOKEN_MISSING, CloseCode.AUTH_INVALID],
      [tampered(await server.token('lib')), 401, ErrorCode.AUTH_TOKEN_INVALID, CloseCode.AUTH_INVALID],
      [await server.token('other'), 403, ErrorCode.AUTH_WRONG_LIBRARY, CloseCode.AUTH_WRONG_LIBRARY],
      [await server.token('lib', { role: 'admin' }), 403, ErrorCode.AUTH_FORBIDDEN, CloseCode.AUTH_INVALID],
    ];
    for (const [token, status, code, close] of cases) {
      const answer = await http.call({ method: 'POST', token });
      expect([answer.status, answer.body?.code, answer.body?.close]).toEqual([status, code, close]);
    }
    const bob = await server.token('lib', { user: 'bob' });
    const push = JSON.stringify({ type: 'push', ops: wireOps('A', 2, 2) });
    const stolen = await http.call({ method: 'POST', path: `/${session.id}`, token: bob, body: push });
    expect([stolen.status, stolen.body?.code]).toEqual([404, ErrorCode.HTTP_SESSION_NOT_FOUND]);
    expect(await storedOps(server)).toBe(1);
    expect((await session.post(push)).status).toBe(202);
    expect((await session.poll()).map((f) => JSON.parse(f).type)).toEqual(['ack']);
  });

  test('a wrong method or route is HTTP_REQUEST_INVALID', async () => {
    const server = await factory.start();
    const { http, token, session } = await liveWriter(server);
    const wrong = [
      await http.call({ method: 'GET', token }),
      await http.call({ method: 'PUT', path: `/${session.id}`, token, body: '{}' }),
      await http.call({ method: 'GET', path: `/${session.id}/more`, token }),
    ];
    expect(wrong.map((a) => [a.status, a.body?.code])).toEqual([
      [405, ErrorCode.HTTP_REQUEST_INVALID],
      [405, ErrorCode.HTTP_REQUEST_INVALID],
      [404, ErrorCode.HTTP_REQUEST_INVALID],
    ]);
    expect(await storedOps(server)).toBe(1);
  });

  test('sessions count as connections per user: the 32nd opens, the 33rd is 429 SERVER_LIMIT_EXCEEDED, and ending one frees a slot', async () => {
    const server = await factory.start();
    const http = client(server);
    const token = await server.token('lib', { user: 'many' });
    const opened = [];
    for (let i = 0; i < 32; i++) opened.push(await http.open(token));
    const refused = await http.call({ method: 'POST', token });
    expect([refused.status, refused.body?.code, refused.body?.close]).toEqual([429, ErrorCode.SERVER_LIMIT_EXCEEDED, CloseCode.TRY_AGAIN_LATER]);
    expect((await http.call({ method: 'DELETE', path: `/${opened[0]?.id}`, token })).status).toBe(204);
    expect((await http.call({ method: 'POST', token })).status).toBe(200);
  });
});

describe.skipIf(!servers.includes(cloudflareServer))('bad tokens over HTTP on Cloudflare', () => {
  test('the Worker answers a refused token itself: the library\'s object is never created', async () => {
    const server = await cloudflareServer.start();
    const http = client(server, 'never-woken');
    const answers = [
      await http.call({ method: 'POST', token: undefined }),
      await http.call({ method: 'POST', token: await server.token('other') }),
      await http.call({ method: 'GET', path: '/some-session', token: 'not-a-token' }),
    ];
    expect(answers.map((a) => [a.status, a.body?.code])).toEqual([
      [401, ErrorCode.AUTH_TOKEN_MISSING],
      [403, ErrorCode.AUTH_WRONG_LIBRARY],
      [401, ErrorCode.AUTH_TOKEN_MISSING],
    ]);
    expect(await server.instances('never-woken')).toBe(0);
    // A good token reaches the object.
    expect((await http.call({ method: 'POST', token: await server.token('never-woken') })).status).toBe(200);
    expect(await server.instances('never-woken')).toBe(1);
  });
});

/**
 * The admin routes over HTTP, on every server: inspect, evict and compact
 * with a token of role `admin`; every other token refused with a code;
 * hostile input answered with ADMIN_* codes and nothing changed.
 */
import { describe, expect, test } from 'vitest';
import { CloseCode } from '../../src/protocol/index.js';
import { livePair } from '../helpers/live-pair.js';
import { servers } from '../helpers/servers.js';
import type { ServerUnderTest } from '../helpers/servers.js';
import { wireOps } from '../helpers/wire-ops.js';

/** The admin routes of a server whose clients connect to `${server.url}/<library>`. */
const adminBase = (server: ServerUnderTest) => `${server.url.replace(/^ws/, 'http')}/_admin`;

async function call(server: ServerUnderTest, o: { path: string; method?: string; token?: string | null; body?: string }) {
  const token = o.token === undefined ? await server.token('*', { role: 'admin', user: 'ops' }) : o.token;
  const response = await fetch(`${adminBase(server)}${o.path}`, {
    method: o.method ?? 'GET',
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
    ...(o.body === undefined ? {} : { body: o.body }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe.each(servers)('admin routes ($name)', (factory) => {
  test('inspect lists the replicas (user, last seen, truant, seq) and the library (documents, ops, horizon, bytes)', async () => {
    const server = await factory.start();
    const { a } = await livePair(server);
    a.send({ type: 'push', ops: wireOps('A', 2, 3) });
    await a.next('ack');
    const { status, body } = await call(server, { path: '/libraries/team' });
    expect(status).toBe(200);
    expect(body).toMatchObject({ library: 'team', headSeq: 3, horizon: 0, documents: 3, ops: 3, baselines: 0, replicaCount: 2 });
    expect(body.bytes).toBeGreaterThan(0);
    const replicas = body.replicas as Record<string, unknown>[];
    expect(replicas.map((r) => [r.replicaId, r.user, r.seq, r.truant, r.connected]).sort()).toEqual([
      ['A', 'ada', 3, false, true],
      ['B2', 'ada', 0, false, true],
    ]);
    expect(typeof replicas[0]?.lastSeen).toBe('number');
  });

  test('evict closes the live sockets with LIBRARY_EVICTED, and with revokeTokens refuses the old tokens', async () => {
    const server = await factory.start();
    const { a, b } = await livePair(server);
    const before = await server.token('team');
    const { status, body } = await call(server, { path: '/libraries/team/evict', method: 'POST', body: '{"revokeTokens":true}' });
    expect(status).toBe(200);
    expect(body).toEqual({ library: 'team', evicted: true, revokedTokens: true });
    expect((await a.closed).code).toBe(CloseCode.LIBRARY_EVICTED);
    expect((await b.closed).code).toBe(CloseCode.LIBRARY_EVICTED);
    expect((await call(server, { path: '/libraries/team' })).body.code).toBe('ADMIN_LIBRARY_NOT_FOUND');
    const old = await server.connect('team', { token: before });
    expect((await old.next('error')).code).toBe('AUTH_TOKEN_REVOKED');
  });

  test('compact squashes what every replica applied and answers the new horizon', async () => {
    const server = await factory.start();
    const { a, b } = await livePair(server);
    a.send({ type: 'push', ops: wireOps('A', 2, 3) });
    await a.next('ack');
    await b.next('ops');
    a.send({ type: 'cursor', serverSeq: 3 });
    b.send({ type: 'cursor', serverSeq: 3 });
    await expect.poll(async () => (await server.query<{ acked_seq: number }>('team', 'SELECT MIN(acked_seq) AS acked_seq FROM replicas'))[0]?.acked_seq).toBe(3);
    const { status, body } = await call(server, { path: '/libraries/team/compact', method: 'POST' });
    expect(status).toBe(200);
    expect(body).toEqual({ results: [{ library: 'team', horizon: 3, squashed: 3, more: false }] });
    expect((await call(server, { path: '/libraries/team' })).body).toMatchObject({ horizon: 3, ops: 0, baselines: 3 });
  });

  test('non-admin tokens are refused with 403 AUTH_FORBIDDEN, and an admin token cannot sync', async () => {
    const server = await factory.start();
    await livePair(server);
    for (const role of ['read', 'write'] as const) {
      const refused = await call(server, { path: '/libraries/team/evict', method: 'POST', token: await server.token('team', { role }) });
      expect(refused).toMatchObject({ status: 403, body: { code: 'AUTH_FORBIDDEN' } });
    }
    expect((await call(server, { path: '/libraries/team' })).status).toBe(200);
    const admin = await server.connect('team', { token: await server.token('team', { role: 'admin' }) });
    expect((await admin.next('error')).code).toBe('AUTH_FORBIDDEN');
    expect((await admin.closed).code).toBe(CloseCode.AUTH_INVALID);
  });

  test('missing, bad and other-library admin tokens are refused with their codes', async () => {
    const server = await factory.start();
    await livePair(server);
    expect(await call(server, { path: '/libraries/team', token: null })).toMatchObject({ status: 401, body: { code: 'AUTH_TOKEN_MISSING' } });
    expect(await call(server, { path: '/libraries/team', token: 'not.a.jwt' })).toMatchObject({ status: 401 });
    const other = await server.token('elsewhere', { role: 'admin' });
    expect(await call(server, { path: '/libraries/team', token: other })).toMatchObject({ status: 403, body: { code: 'AUTH_WRONG_LIBRARY' } });
    const scoped = await server.token('team', { role: 'admin' });
    expect(await call(server, { path: '/libraries/team', token: scoped })).toMatchObject({ status: 200 });
    expect(await call(server, { path: '/compact', method: 'POST', token: scoped })).toMatchObject({ status: 403, body: { code: 'AUTH_WRONG_LIBRARY' } });
  });

  test('hostile input is answered with ADMIN_* codes and changes nothing', async () => {
    const server = await factory.start();
    await livePair(server);
    const evict = (body: string) => call(server, { path: '/libraries/team/evict', method: 'POST', body });
    expect(await call(server, { path: '/libraries/nope' })).toMatchObject({ status: 404, body: { code: 'ADMIN_LIBRARY_NOT_FOUND' } });
    expect(await call(server, { path: '/libraries/nope/compact', method: 'POST' })).toMatchObject({ status: 404, body: { code: 'ADMIN_LIBRARY_NOT_FOUND' } });
    expect(await call(server, { path: `/libraries/${'x'.repeat(257)}` })).toMatchObject({ status: 400, body: { code: 'ADMIN_REQUEST_INVALID' } });
    expect(await call(server, { path: `/libraries/${'x'.repeat(256)}` })).toMatchObject({ status: 404, body: { code: 'ADMIN_LIBRARY_NOT_FOUND' } });
    expect(await call(server, { path: '/libraries/a%00b' })).toMatchObject({ status: 400, body: { code: 'ADMIN_REQUEST_INVALID' } });
    expect(await call(server, { path: '/libraries/team/evict' })).toMatchObject({ status: 405, body: { code: 'ADMIN_REQUEST_INVALID' } });
    expect(await call(server, { path: '/libraries/team/drop', method: 'POST' })).toMatchObject({ status: 404, body: { code: 'ADMIN_REQUEST_INVALID' } });
    expect(await evict('{"revokeTokens":"yes"}')).toMatchObject({ status: 400, body: { code: 'ADMIN_REQUEST_INVALID' } });
    expect(await evict('{"revokeTokens":true,"all":true}')).toMatchObject({ status: 400, body: { code: 'ADMIN_REQUEST_INVALID' } });
    expect(await evict('[true]')).toMatchObject({ status: 400, body: { code: 'ADMIN_REQUEST_INVALID' } });
    expect(await evict('{"revokeTokens":')).toMatchObject({ status: 400, body: { code: 'ADMIN_REQUEST_INVALID' } });
    // The limit is 1024 bytes: one past it is refused unread, a huge body too.
    expect(await evict(`{}${' '.repeat(1023)}`)).toMatchObject({ status: 413, body: { code: 'ADMIN_REQUEST_INVALID', details: { limit: 1024 } } });
    expect(await evict(' '.repeat(8 * 1024 * 1024))).toMatchObject({ status: 413, body: { code: 'ADMIN_REQUEST_INVALID' } });
    expect((await call(server, { path: '/libraries/team' })).body).toMatchObject({ library: 'team', headSeq: 1 });
    // At the limit the body is read: this one evicts.
    expect(await evict(`{}${' '.repeat(1022)}`)).toMatchObject({ status: 200, body: { evicted: true, revokedTokens: false } });
  });

  test('evicting a library the server does not hold still answers, and revokes its tokens when asked', async () => {
    const server = await factory.start();
    const before = await server.token('ghost');
    expect(await call(server, { path: '/libraries/ghost/evict', method: 'POST', body: '{"revokeTokens":true}' })).toEqual({
      status: 200,
      body: { library: 'ghost', evicted: false, revokedTokens: true },
    });
    const client = await server.connect('ghost', { token: before });
    expect((await client.next('error')).code).toBe('AUTH_TOKEN_REVOKED');
  });
});

describe.each(servers)('compacting every library ($name)', (factory) => {
  test(factory.name === 'node' ? 'answers one result per library' : 'is refused: each object holds one library', async () => {
    const server = await factory.start();
    await livePair(server);
    const answer = await call(server, { path: '/compact', method: 'POST' });
    if (factory.name === 'node') expect(answer).toEqual({ status: 200, body: { results: [{ library: 'team', horizon: 1, squashed: 1, more: false }] } });
    else expect(answer).toMatchObject({ status: 400, body: { code: 'ADMIN_REQUEST_INVALID' } });
  });
});

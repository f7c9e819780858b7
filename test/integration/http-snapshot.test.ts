/**
 * GET <base>/<library>/snapshots/<epoch>/<serverSeq>, against the Node server
 * and the Durable Object: the socket's snapshot frames with a strong ETag and
 * Cache-Control immutable, 304 for a matching If-None-Match, 409 once the
 * library moved on, and the token checked on every request.
 */
import { describe, expect, test } from 'vitest';
import { ErrorCode } from 'trellis';
import { decodeServerMessage } from 'trellis/protocol';
import type { SnapshotMessage } from 'trellis/protocol';
import { servers } from '../helpers/servers.js';
import type { ServerUnderTest } from '../helpers/servers.js';
import { wireOps } from '../helpers/wire-ops.js';

async function seeded(server: ServerUnderTest, count: number) {
  const a = await server.connect('lib');
  const decision = await a.hello({ replicaId: 'A', localSeq: count, atRisk: count });
  a.send({ type: 'seed', baselines: [], ops: wireOps('A', 1, count, { change: { kind: 'put', value: { text: 't'.repeat(2000) } } }), done: true });
  await a.next('synced');
  return { a, epoch: decision.epoch };
}

const get = async (url: string, headers: Record<string, string>) => {
  const response = await fetch(url, { headers });
  return { status: response.status, headers: response.headers, text: await response.text() };
};

describe.each(servers)('snapshots over HTTP ($name)', (factory) => {
  test('the current snapshot is the socket\'s frames with a strong ETag and Cache-Control immutable; If-None-Match is 304', async () => {
    const server = await factory.start();
    const { epoch } = await seeded(server, 300);
    const url = `${server.origin}/parties/trellis/lib/snapshots/${epoch}/300`;
    const auth = { authorization: `Bearer ${await server.token('lib', { role: 'read' })}` };
    const first = await get(url, auth);
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toContain('immutable');
    const etag = first.headers.get('etag') as string;
    expect(etag).toMatch(/^"[^"]+"$/);
    const frames = first.text.split('\n').map((line) => {
      const decoded = decodeServerMessage(line);
      if (!decoded.ok) throw decoded.error;
      return decoded.value as SnapshotMessage;
    });
    expect(frames.length).toBeGreaterThan(1);
    expect(frames.every((f) => f.type === 'snapshot' && f.epoch === epoch && f.serverSeq === 300)).toBe(true);
    expect(frames.map((f) => f.done)).toEqual([...Array(frames.length - 1).fill(false), true]);
    expect(frames.flatMap((f) => f.ops.map((o) => o.serverSeq))).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    // The same bytes again under the same tag; a conditional GET with it is 304 without a body.
    const again = await get(url, auth);
    expect([again.headers.get('etag'), again.text]).toEqual([etag, first.text]);
    const conditional = await get(url, { ...auth, 'if-none-match': etag });
    expect([conditional.status, conditional.text]).toEqual([304, '']);
    expect((await get(url, { ...auth, 'if-none-match': '"other"' })).status).toBe(200);
  });

  test('once the library moves on, the old URL is 409 SNAPSHOT_NOT_CURRENT naming the current epoch and seq', async () => {
    const server = await factory.start();
    const { a, epoch } = await seeded(server, 2);
    a.send({ type: 'push', ops: wireOps('A', 3, 3) });
    await a.next('ack');
    const auth = { authorization: `Bearer ${await server.token('lib')}` };
    const stale = await get(`${server.origin}/parties/trellis/lib/snapshots/${epoch}/2`, auth);
    expect([stale.status, JSON.parse(stale.text)]).toEqual([409, expect.objectContaining({ code: ErrorCode.SNAPSHOT_NOT_CURRENT, details: { epoch, serverSeq: 3 } })]);
    const otherEpoch = await get(`${server.origin}/parties/trellis/lib/snapshots/not-the-epoch/3`, auth);
    expect(otherEpoch.status).toBe(409);
    expect((await get(`${server.origin}/parties/trellis/lib/snapshots/${epoch}/3`, auth)).status).toBe(200);
  });

  test('a scoped token\'s snapshot holds only its scope, under a tag of its own: another scope\'s tag is never 304', async () => {
    const server = await factory.start();
    const { epoch } = await seeded(server, 20);
    const url = `${server.origin}/parties/trellis/lib/snapshots/${epoch}/20`;
    const whole = await get(url, { authorization: `Bearer ${await server.token('lib')}` });
    const scoped = { authorization: `Bearer ${await server.token('lib', { role: 'read', scope: { idPrefix: 'doc-1' } })}` };
    const part = await get(url, scoped);
    expect(part.status).toBe(200);
    expect(part.headers.get('etag')).not.toBe(whole.headers.get('etag'));
    const ids = part.text.split('\n').flatMap((line) => {
      const decoded = decodeServerMessage(line);
      if (!decoded.ok) throw decoded.error;
      return (decoded.value as SnapshotMessage).ops.map((o) => o.op.id);
    });
    expect(ids.sort()).toEqual(['doc-1', ...Array.from({ length: 10 }, (_, i) => `doc-${10 + i}`)].sort());
    expect((await get(url, { ...scoped, 'if-none-match': whole.headers.get('etag') as string })).status).toBe(200);
    expect((await get(url, { ...scoped, 'if-none-match': part.headers.get('etag') as string })).status).toBe(304);
  });

  test('no token, another library\'s token or a malformed URL read nothing', async () => {
    const server = await factory.start();
    const { epoch } = await seeded(server, 1);
    const url = `${server.origin}/parties/trellis/lib/snapshots/${epoch}/1`;
    const none = await get(url, {});
    expect([none.status, JSON.parse(none.text).code]).toEqual([401, ErrorCode.AUTH_TOKEN_MISSING]);
    const other = await get(url, { authorization: `Bearer ${await server.token('other')}` });
    expect([other.status, JSON.parse(other.text).code]).toEqual([403, ErrorCode.AUTH_WRONG_LIBRARY]);
    const auth = { authorization: `Bearer ${await server.token('lib')}` };
    for (const bad of [`${epoch}/01`, `${epoch}/-1`, `${epoch}`, `${epoch}/1/2`]) {
      const answer = await get(`${server.origin}/parties/trellis/lib/snapshots/${bad}`, auth);
      expect([answer.status, JSON.parse(answer.text).code]).toEqual([404, ErrorCode.HTTP_REQUEST_INVALID]);
    }
  });
});

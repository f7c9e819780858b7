import { describe, expect, test } from 'vitest';
import { ErrorCode } from 'trellis';
import { CloseCode, MAX_FRAME_BYTES, TRANSPORT_MAX_BYTES } from 'trellis/protocol';
import { servers } from '../helpers/servers.js';
import type { ServerUnderTest } from '../helpers/servers.js';
import { wireOps } from '../helpers/wire-ops.js';

async function twoLive(server: ServerUnderTest) {
  const good = await server.connect('team');
  await good.hello({ replicaId: 'G', localSeq: 1, atRisk: 1 });
  good.send({ type: 'seed', baselines: [], ops: wireOps('G', 1, 1), done: true });
  await good.next('synced');
  const bad = await server.connect('team');
  await bad.hello({ replicaId: 'X' });
  bad.send({ type: 'join', replicaId: 'X2' });
  await bad.next('synced');
  return { good, bad };
}

describe.each(servers)('bad frames ($name)', (factory) => {
  test('malformed and oversized frames are answered with errors while another client keeps syncing', async () => {
    const server = await factory.start();
    const { good, bad } = await twoLive(server);
    bad.sendRaw('{"type":"push","ops":[{"replicaId":"X2"}]}');
    expect(await bad.next('error')).toMatchObject({ code: ErrorCode.PROTOCOL_INVALID_MESSAGE, details: { path: ['ops', 0, 'seq'] } });
    bad.sendRaw(Buffer.from([0xde, 0xad]));
    expect((await bad.next('error')).code).toBe(ErrorCode.PROTOCOL_INVALID_MESSAGE);
    bad.sendRaw(JSON.stringify({ type: 'cursor', serverSeq: 0, pad: 'z'.repeat(MAX_FRAME_BYTES) }));
    expect(await bad.next('error')).toMatchObject({ code: ErrorCode.PROTOCOL_MESSAGE_TOO_LARGE, details: { limit: MAX_FRAME_BYTES } });

    good.send({ type: 'push', ops: wireOps('G', 2, 3) });
    expect(await good.next('ack')).toMatchObject({ fromSeq: 2, toSeq: 3 });
    expect((await bad.next('ops')).ops.map((o) => o.serverSeq)).toEqual([2, 3]);
    expect(await server.query('team', 'SELECT COUNT(*) AS n FROM ops')).toEqual([{ n: 3 }]);
  });

  test('a frame beyond what the transport accepts closes only that socket (1009)', async () => {
    const server = await factory.start();
    const { good, bad } = await twoLive(server);
    bad.sendRaw('x'.repeat(TRANSPORT_MAX_BYTES + 1));
    expect((await bad.closed).code).toBe(CloseCode.MESSAGE_TOO_BIG);
    good.send({ type: 'push', ops: wireOps('G', 2, 2) });
    expect(await good.next('ack')).toMatchObject({ fromSeq: 2 });
    expect((await server.logs()).some((l) => l.event === 'socket.error')).toBe(true);
  });

  test('too many undecodable frames close the socket with POLICY_VIOLATION', async () => {
    const server = await factory.start();
    const { good, bad } = await twoLive(server);
    for (let i = 0; i < 20; i++) bad.sendRaw('nope');
    expect((await bad.closed).code).toBe(CloseCode.POLICY_VIOLATION);
    good.send({ type: 'push', ops: wireOps('G', 2, 2) });
    expect(await good.next('ack')).toMatchObject({ fromSeq: 2 });
  });

  test('an unsupported protocol version is refused and closed', async () => {
    const server = await factory.start();
    const client = await server.connect('team');
    client.sendRaw(JSON.stringify({ type: 'hello', protocol: 0, replicaId: 'A' }));
    expect((await client.next('error')).code).toBe(ErrorCode.PROTOCOL_VERSION_MISMATCH);
    expect((await client.closed).code).toBe(CloseCode.VERSION_MISMATCH);
  });
});

/**
 * Hostile frames through real sockets: the Node adapter (`ws` + http) on
 * 127.0.0.1, while a real sync client on the same library keeps writing.
 * Adds what only a transport can do: invalid UTF-8 in a text frame (ws
 * closes with 1007), frames above the transport limit (1009), binary
 * frames, and a connection flood.
 */
import fc from 'fast-check';
import WebSocket from 'ws';
import { describe, expect, test, vi } from 'vitest';
import { CloseCode, TRANSPORT_MAX_BYTES, decodeClientMessage, decodeServerMessage } from 'trellis/protocol';
import { startTestServer } from '../helpers/start-test-server.js';
import { openReplica, startTestServer as startSyncServer } from '../helpers/sync-harness.js';
import { fuzzFrame } from './fuzz/frames.js';

const FRAMES = Number(process.env.TRELLIS_SOCKET_FUZZ_FRAMES ?? 600);

interface Raw {
  readonly answers: { type: string; code?: string }[];
  readonly closed: Promise<number>;
  send(data: string | Buffer, binary?: boolean): void;
  close(): void;
}

async function raw(url: string, library: string, token: string): Promise<Raw> {
  const ws = new WebSocket(`${url}/${library}?token=${encodeURIComponent(token)}`);
  const answers: Raw['answers'] = [];
  ws.on('message', (data) => {
    const decoded = decodeServerMessage(data.toString());
    answers.push(decoded.ok ? (decoded.value as { type: string; code?: string }) : { type: 'UNDECODABLE' });
  });
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  ws.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    answers,
    closed,
    send: (data, binary = false) => {
      if (ws.readyState === ws.OPEN) ws.send(data, { binary });
    },
    close: () => ws.close(),
  };
}

describe('hostile frames on real sockets', () => {
  test(`${FRAMES} generated frames over ws are answered while a sync client keeps syncing`, async () => {
    const server = await startSyncServer();
    try {
      const good = await openReplica(server, 'lib');
      await good.store.collection('todos').put({ id: 'g0', title: 'first', createdAt: 0 });
      await good.settle();
      const token = await server.token('lib', { user: 'eve' });
      const frames = fc.sample(fuzzFrame, { seed: 7, numRuns: FRAMES });
      let client = await raw(server.url, 'lib', token);
      let expected = 0;
      for (const [i, frame] of frames.entries()) {
        // Each undecodable frame gets one error; the ninth also closes (1008), a version mismatch at once (4004).
        const decoded = decodeClientMessage(frame);
        if (!decoded.ok) expected++;
        client.send(typeof frame === 'string' ? frame : Buffer.from(frame), typeof frame !== 'string');
        const closes = !decoded.ok && decoded.error.code === 'PROTOCOL_VERSION_MISMATCH' ? CloseCode.VERSION_MISMATCH : expected > 8 ? CloseCode.POLICY_VIOLATION : undefined;
        if (closes !== undefined) {
          expect(await client.closed).toBe(closes);
          expect(client.answers.filter((a) => a.type === 'UNDECODABLE' || a.code === 'SERVER_INTERNAL')).toEqual([]);
          client = await raw(server.url, 'lib', token);
          expected = 0;
        }
        if (i % 50 === 0) await good.store.collection('todos').put({ id: `g${i}`, title: `write ${i}`, createdAt: i });
      }
      client.close();
      await good.settle();
      expect(good.state()).toMatchObject({ phase: 'live', pending: 0 });
      expect(good.state().error).toBeUndefined();
      await good.close();
    } finally {
      await server.dispose();
    }
  }, 60_000);

  test('invalid UTF-8 in a text frame closes that socket with 1007; a frame above the transport limit with 1009; others keep syncing', async () => {
    const server = await startTestServer();
    const token = await server.token({ library: 'lib', user: 'eve' });
    const utf8 = await raw(server.url, 'lib', token);
    utf8.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), false);
    expect(await utf8.closed).toBe(1007);
    const big = await raw(server.url, 'lib', token);
    big.send('x'.repeat(TRANSPORT_MAX_BYTES + 1));
    expect(await big.closed).toBe(CloseCode.MESSAGE_TOO_BIG);
    const binary = await raw(server.url, 'lib', token);
    binary.send(Buffer.from([1, 2, 3]), true);
    // A socket's frames are answered in order: once a frame sent after it is answered (a cursor before hello, which
    // changes nothing), so is the binary frame, with exactly one error.
    binary.send(JSON.stringify({ type: 'cursor', serverSeq: 0 }));
    await vi.waitFor(() => expect(binary.answers.map((a) => a.code)).toContain('PROTOCOL_UNEXPECTED_MESSAGE'));
    expect(binary.answers).toMatchObject([
      { type: 'error', code: 'PROTOCOL_INVALID_MESSAGE' },
      { type: 'error', code: 'PROTOCOL_UNEXPECTED_MESSAGE' },
    ]);
    // The server still serves: a fresh client gets its decision.
    const ok = await server.connect('lib');
    expect((await ok.hello({ replicaId: 'fine' })).type).toBe('decision');
    binary.close();
  });

  test('connections beyond the per-token limit are refused with SERVER_LIMIT_EXCEEDED and 1013; other tokens still connect', async () => {
    const server = await startTestServer({ limits: { maxConnectionsPerToken: 3 } });
    const token = await server.token({ library: 'lib', user: 'eve' });
    const open = await Promise.all([0, 1, 2].map(() => raw(server.url, 'lib', token)));
    // Answered only once authorized: then all three count against the token's limit.
    for (const c of open) c.send(JSON.stringify({ type: 'cursor', serverSeq: 0 }));
    await vi.waitFor(() => expect(open.map((c) => c.answers.length)).toEqual([1, 1, 1]));
    const fourth = await raw(server.url, 'lib', token);
    expect(await fourth.closed).toBe(CloseCode.TRY_AGAIN_LATER);
    expect(fourth.answers).toMatchObject([{ type: 'error', code: 'SERVER_LIMIT_EXCEEDED' }]);
    const other = await server.connect('lib', { user: 'ada' });
    expect((await other.hello({ replicaId: 'ada1' })).type).toBe('decision');
    for (const c of open) c.close();
  });
});

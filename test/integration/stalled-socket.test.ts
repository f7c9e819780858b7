/**
 * A client that stops reading must not make the server queue without bound
 * (issue 14, defect 10): once more than limits.maxSocketQueueBytes wait to be
 * written to its socket (beyond its catch-up), the server closes it with
 * TRY_AGAIN_LATER, keeps serving everyone else, and the client, once it
 * reads again and reconnects, catches up from its cursor.
 */
import { describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { ErrorCode } from 'trellis';
import { CloseCode, PROTOCOL_VERSION, decodeServerMessage, encodeMessage } from 'trellis/protocol';
import type { ClientMessage, ServerMessage } from 'trellis/protocol';
import { startTestServer } from '../helpers/start-test-server.js';
import { wireOps } from '../helpers/wire-ops.js';

const BOUND = 256 * 1024;

/** A raw client whose TCP socket can stop being read (the kernel buffers fill, then the server's queue grows). */
async function pausableClient(url: string) {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const frames: ServerMessage[] = [];
  const arrivals: (() => void)[] = [];
  ws.on('message', (data) => {
    const decoded = decodeServerMessage(data.toString());
    if (!decoded.ok) throw decoded.error;
    frames.push(decoded.value);
    for (const wake of arrivals.splice(0)) wake();
  });
  const closed = new Promise<{ code: number }>((resolve) => ws.on('close', (code) => resolve({ code })));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const until = async (found: () => boolean): Promise<void> => {
    while (!found()) await new Promise<void>((resolve) => arrivals.push(resolve));
  };
  const socket = (ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  return {
    frames,
    closed,
    until,
    send: (message: ClientMessage) => ws.send(encodeMessage(message)),
    pause: () => socket.pause(),
    resume: () => socket.resume(),
  };
}

const serverSeqs = (frames: readonly ServerMessage[]) =>
  frames.flatMap((m) => (m.type === 'ops' || m.type === 'snapshot' ? m.ops.map((o) => o.serverSeq) : []));

describe('a client that does not read', () => {
  test('is closed with TRY_AGAIN_LATER once its send queue passes maxSocketQueueBytes; the others are served on, and it catches up after reconnecting', async () => {
    const server = await startTestServer({ limits: { maxSocketQueueBytes: BOUND } });
    const writer = await server.connect('team');
    const { epoch } = await writer.hello({ replicaId: 'W', localSeq: 1, atRisk: 1 });
    writer.send({ type: 'seed', baselines: [], ops: wireOps('W', 1, 1), done: true });
    await writer.next('synced');
    const reader = await server.connect('team');
    await reader.hello({ replicaId: 'R-old' });
    reader.send({ type: 'join', replicaId: 'R' });
    await reader.next('synced');

    const stalled = await pausableClient(`${server.url}/team?token=${await server.token({ library: 'team' })}`);
    stalled.send({ type: 'hello', protocol: PROTOCOL_VERSION, replicaId: 'S-old', cursor: null, localSeq: 0, atRisk: 0 });
    await stalled.until(() => stalled.frames.some((m) => m.type === 'decision'));
    stalled.send({ type: 'join', replicaId: 'S' });
    await stalled.until(() => stalled.frames.some((m) => m.type === 'synced'));
    stalled.pause();

    // About 0.9 MB per push: enough to fill the loopback's kernel buffers, then the server's queue.
    let seq = 2;
    const queueFull = () => server.logs.some((l) => l.event === 'socket.queue-full');
    for (let push = 0; push < 200 && !queueFull(); push++, seq += 100) {
      writer.send({ type: 'push', ops: wireOps('W', seq, seq + 99, { change: { kind: 'put', value: { text: 'z'.repeat(9000) } } }) });
      expect(await writer.next('ack')).toMatchObject({ toSeq: seq + 99 });
    }
    expect(queueFull()).toBe(true);
    const full = server.logs.find((l) => l.event === 'socket.queue-full');
    expect(full?.fields).toMatchObject({ replicaId: 'S', limit: BOUND });
    expect(full?.fields.queued).toBeGreaterThan(BOUND);

    // Everyone else is served on: the writer is acknowledged and the reader receives every op.
    writer.send({ type: 'push', ops: wireOps('W', seq, seq) });
    expect(await writer.next('ack')).toMatchObject({ toSeq: seq });
    const head = server.query<{ head_seq: number }>('SELECT head_seq FROM libraries')[0]!.head_seq;
    while (!serverSeqs(reader.received).includes(head)) await reader.next('ops');

    // Reading again, the stalled client gets what was queued, the refusal, and the close; then it reconnects.
    stalled.resume();
    expect((await stalled.closed).code).toBe(CloseCode.TRY_AGAIN_LATER);
    expect(stalled.frames.at(-1)).toMatchObject({ type: 'error', code: ErrorCode.SERVER_LIMIT_EXCEEDED, details: { limit: 'socketQueueBytes', max: BOUND } });
    const before = serverSeqs(stalled.frames);
    const cursor = Math.max(...before);
    expect(cursor).toBeLessThan(head);
    const back = await server.connect('team');
    expect(await back.hello({ replicaId: 'S', cursor: { epoch, serverSeq: cursor }, localSeq: 0 })).toMatchObject({ decision: 'resume' });
    expect(await back.next('synced')).toEqual({ type: 'synced', serverSeq: head });
    const all = new Set([...before, ...serverSeqs(back.received)]);
    expect([...all].sort((a, b) => a - b)).toEqual(Array.from({ length: head }, (_, i) => i + 1));
  });
});

/**
 * limits.maxSocketQueueBytes: a socket that does not read is closed with
 * TRY_AGAIN_LATER once the bytes queued to it, beyond the catch-up or
 * snapshot it was sent on connecting, pass the bound. Sockets here report a
 * queue that never drains (a client that never reads); everything else is the
 * real core over SQLite in memory.
 */
import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import { ErrorCode } from 'trellis';
import { CloseCode, PROTOCOL_VERSION, decodeServerMessage, encodeMessage } from 'trellis/protocol';
import type { ClientMessage, ServerMessage } from 'trellis/protocol';
import { createSyncServer } from 'trellis/server';
import type { SyncLimits, SyncServer } from 'trellis/server';
import { createSqliteStorage } from 'trellis/server/node';
import { fakeVerify } from '../../helpers/fake-sync-server.js';
import { wireOps } from '../../helpers/wire-ops.js';

interface Peer {
  readonly frames: ServerMessage[];
  readonly queued: () => number;
  closedWith: { code: number; reason: string } | undefined;
  send(message: ClientMessage): void;
  hello(replicaId: string): ServerMessage | undefined;
}

function start(limits: Partial<SyncLimits>) {
  const logs: { event: string; fields: Record<string, unknown> }[] = [];
  const server: SyncServer = createSyncServer({
    sql: createSqliteStorage(new Database(':memory:')),
    now: () => 1_700_000_000_000,
    verifyToken: fakeVerify,
    log: (_level, event, fields) => logs.push({ event, fields }),
    limits,
  });
  /** `stalled`: nothing sent is ever written out; `reports: false`: a runtime without a readable queue. */
  const connect = (o: { stalled: boolean; reports?: boolean }): Peer => {
    let sent = 0;
    const peer: Peer = {
      frames: [],
      queued: () => sent,
      closedWith: undefined,
      send: (message) => conn.receive(encodeMessage(message)),
      hello: (replicaId) => {
        peer.send({ type: 'hello', protocol: PROTOCOL_VERSION, replicaId, cursor: null, localSeq: 1, atRisk: 0 });
        return peer.frames.find((m) => m.type === 'decision');
      },
    };
    const conn = server.connect(
      {
        send: (frame) => {
          sent += Buffer.byteLength(frame);
          const decoded = decodeServerMessage(frame);
          if (!decoded.ok) throw decoded.error;
          peer.frames.push(decoded.value);
        },
        close: (code, reason) => void (peer.closedWith = { code, reason }),
        ...(o.reports === false ? {} : { sendQueue: () => ({ sentBytes: sent, bufferedBytes: o.stalled ? sent : 0 }) }),
      },
      { library: 'lib', token: 'write:lib' },
    );
    return peer;
  };
  return { server, logs, connect };
}

/** A library seeded by W with `docs` documents of about `size` bytes each; W stays connected, live. */
function seeded(s: ReturnType<typeof start>, o: { docs: number; size: number }): Peer {
  const writer = s.connect({ stalled: false });
  writer.hello('W');
  const ops = wireOps('W', 1, o.docs, { change: { kind: 'put', value: { text: 'x'.repeat(o.size) } } });
  writer.send({ type: 'seed', baselines: [], ops, done: true });
  return writer;
}

/** A late joiner that joins as `id` and is live. */
function joined(s: ReturnType<typeof start>, o: { id: string; stalled: boolean; reports?: boolean }): Peer {
  const peer = s.connect(o);
  peer.hello(`${o.id}-old`);
  peer.send({ type: 'join', replicaId: o.id });
  expect(peer.frames.at(-1)?.type).toBe('synced');
  return peer;
}

const BOUND = 64 * 1024;
const liveOps = (seq: number) => wireOps('W', seq, seq + 9, { change: { kind: 'put', value: { text: 'y'.repeat(1000) } } });

describe('send queue bound', () => {
  test('a live socket that never reads is told SERVER_LIMIT_EXCEEDED and closed with TRY_AGAIN_LATER once its queue passes the bound; the writer is served on', () => {
    const s = start({ maxSocketQueueBytes: BOUND });
    const writer = seeded(s, { docs: 1, size: 10 });
    const stalled = joined(s, { id: 'S', stalled: true });
    const reading = joined(s, { id: 'R', stalled: false });
    const afterJoin = stalled.queued();
    let seq = 2;
    for (; seq < 2000 && stalled.closedWith === undefined; seq += 10) writer.send({ type: 'push', ops: liveOps(seq) });
    expect(stalled.closedWith).toEqual({ code: CloseCode.TRY_AGAIN_LATER, reason: expect.any(String) });
    // Closed on the frame that passed the bound: the queue was within it one frame earlier.
    const live = stalled.queued() - afterJoin;
    expect(live).toBeGreaterThan(BOUND);
    expect(live).toBeLessThan(BOUND + 20_000);
    expect(stalled.frames.at(-1)).toMatchObject({ type: 'error', code: ErrorCode.SERVER_LIMIT_EXCEEDED, details: { limit: 'socketQueueBytes', max: BOUND } });
    expect(s.logs.some((l) => l.event === 'socket.queue-full')).toBe(true);
    // The others go on: the writer's next push is acknowledged and the reading replica gets it.
    writer.send({ type: 'push', ops: liveOps(seq) });
    expect(writer.frames.at(-1)).toMatchObject({ type: 'ack', toSeq: seq + 9 });
    expect(reading.frames.at(-1)).toMatchObject({ type: 'ops' });
    expect(reading.closedWith).toBeUndefined();
  });

  test('a snapshot bigger than the bound reaches a socket that has read none of it; only what is queued after it counts', () => {
    const s = start({ maxSocketQueueBytes: BOUND });
    const writer = seeded(s, { docs: 40, size: 10_000 });
    const late = joined(s, { id: 'L', stalled: true });
    expect(late.queued()).toBeGreaterThan(4 * BOUND);
    expect(late.closedWith).toBeUndefined();
    writer.send({ type: 'push', ops: liveOps(41) });
    expect(late.closedWith).toBeUndefined();
    expect(late.frames.at(-1)).toMatchObject({ type: 'ops' });
  });

  test('a queue of exactly maxSocketQueueBytes live bytes stays open; one byte more closes it', () => {
    /** The bytes of one live frame queued to a stalled replica, and whether it was closed. */
    const run = (bound: number) => {
      const s = start({ maxSocketQueueBytes: bound });
      const writer = seeded(s, { docs: 1, size: 10 });
      const stalled = joined(s, { id: 'S', stalled: true });
      const before = stalled.queued();
      writer.send({ type: 'push', ops: liveOps(2) });
      return { live: stalled.queued() - before, closed: stalled.closedWith !== undefined };
    };
    // Every run sends the same frames: measure the live frame once, then sit exactly at the bound and one under it.
    const { live } = run(BOUND);
    expect(run(live)).toEqual({ live, closed: false });
    expect(run(live - 1).closed).toBe(true);
  });

  test('a socket whose runtime reports no queue (Cloudflare) is never closed for it', () => {
    const s = start({ maxSocketQueueBytes: BOUND });
    const writer = seeded(s, { docs: 1, size: 10 });
    const silent = joined(s, { id: 'C', stalled: true, reports: false });
    for (let seq = 2; seq < 300; seq += 10) writer.send({ type: 'push', ops: liveOps(seq) });
    expect(silent.queued()).toBeGreaterThan(2 * BOUND);
    expect(silent.closedWith).toBeUndefined();
  });
});

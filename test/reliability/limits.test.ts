/**
 * Server limits (PROTOCOL.md section 4) are configurable and answered with
 * their documented error, never a crash; the connections that stay within
 * them keep working.
 */
import { describe, expect, test } from 'vitest';
import { ErrorCode } from 'trellis';
import { CloseCode, PROTOCOL_VERSION } from 'trellis/protocol';
import { DEFAULT_LIMITS } from 'trellis/server';
import { createFakeServer } from '../helpers/fake-sync-server.js';
import { wireOps } from '../helpers/wire-ops.js';

describe('server limits', () => {
  test('the defaults are the documented ones', () => {
    expect(DEFAULT_LIMITS).toMatchObject({
      maxFrameBytes: 1_048_576,
      maxOpsPerPush: 1000,
      maxSeedBytes: 64 * 1024 * 1024,
      maxConnectionsPerLibrary: 1000,
      maxConnectionsPerToken: 32,
      maxConnectionsPerUser: 32,
      maxSocketQueueBytes: 8 * 1024 * 1024,
      maxMessagesPerSecond: 500,
      messageBurst: 2000,
      maxClockAheadMs: Number.POSITIVE_INFINITY,
    });
  });

  test('a stricter maxFrameBytes answers PROTOCOL_MESSAGE_TOO_LARGE with its limit, counted as a bad frame', () => {
    const fake = createFakeServer({ limits: { maxFrameBytes: 2000 } });
    const a = fake.connect('lib');
    a.hello({ replicaId: 'A', localSeq: 1, atRisk: 1 });
    a.send({ type: 'seed', baselines: [], ops: wireOps('A', 1, 1), done: true });
    a.take('synced');
    a.sendRaw(JSON.stringify({ type: 'push', ops: wireOps('A', 2, 3, { change: { kind: 'put', value: { text: 'é'.repeat(1500) } } }) }));
    expect(a.take('error')).toMatchObject({ code: ErrorCode.PROTOCOL_MESSAGE_TOO_LARGE, details: { limit: 2000 } });
    expect(fake.sql.exec('SELECT COUNT(*) AS n FROM ops')).toEqual([{ n: 1 }]);
    a.send({ type: 'push', ops: wireOps('A', 2, 2) });
    expect(a.take('ack')).toMatchObject({ toSeq: 2 });
  });

  test('a server cannot be configured looser than the protocol', () => {
    const fake = createFakeServer({ limits: { maxFrameBytes: 10 * 1_048_576, maxOpsPerPush: 5000 } });
    const a = fake.connect('lib');
    a.sendRaw(JSON.stringify({ type: 'cursor', serverSeq: 0, pad: 'x'.repeat(1_048_577) }));
    expect(a.take('error')).toMatchObject({ code: ErrorCode.PROTOCOL_MESSAGE_TOO_LARGE, details: { limit: 1_048_576 } });
  });

  test('connections beyond maxConnectionsPerLibrary are refused with SERVER_LIMIT_EXCEEDED and 1013; another library is unaffected', () => {
    const fake = createFakeServer({ limits: { maxConnectionsPerLibrary: 3 } });
    const open = [1, 2, 3].map((i) => fake.connect('lib', `write:lib:u${i}`));
    const fourth = fake.connect('lib', 'write:lib:u4');
    expect(fourth.take('error')).toMatchObject({ code: ErrorCode.SERVER_LIMIT_EXCEEDED, details: { limit: 'connectionsPerLibrary', max: 3 } });
    expect(fourth.closedWith?.code).toBe(CloseCode.TRY_AGAIN_LATER);
    expect(fake.logs.some((l) => l.event === 'connection.limited')).toBe(true);
    expect(fake.connect('other', 'write:other:u5').hello({ replicaId: 'O' }).type).toBe('decision');
    // A slot frees up when a connection closes.
    open[0]!.disconnect();
    expect(fake.connect('lib', 'write:lib:u6').hello({ replicaId: 'L6' }).type).toBe('decision');
  });

  test('the message rate refills with time: a steady client within the rate is never refused', () => {
    const fake = createFakeServer({ limits: { maxMessagesPerSecond: 10, messageBurst: 5 } });
    const a = fake.connect('lib');
    a.send({ type: 'hello', protocol: PROTOCOL_VERSION, replicaId: 'A', cursor: null, localSeq: 0, atRisk: 0 });
    a.send({ type: 'seed', baselines: [], ops: [], done: true });
    for (let i = 0; i < 100; i++) {
      fake.now += 100;
      a.send({ type: 'cursor', serverSeq: 0 });
    }
    expect(a.inbox.filter((m) => m.type === 'error')).toEqual([]);
    expect(a.closedWith).toBeUndefined();
    for (let i = 0; i < 10; i++) a.send({ type: 'cursor', serverSeq: 0 });
    expect(a.take('error')).toMatchObject({ code: ErrorCode.SERVER_LIMIT_EXCEEDED, details: { limit: 'messagesPerSecond', max: 10 } });
    expect(a.closedWith?.code).toBe(CloseCode.TRY_AGAIN_LATER);
  });
});

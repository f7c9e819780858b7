import { describe, expect, test } from 'vitest';
import { ErrorCode, TrellisError } from 'trellis';
import { CloseCode, MAX_BAD_FRAMES, PROTOCOL_VERSION, encodeMessage } from 'trellis/protocol';
import type { Claims, SqlStorage } from 'trellis/server';
import { createFakeServer, fakeVerify } from '../../helpers/fake-sync-server.js';
import type { FakeClient } from '../../helpers/fake-sync-server.js';
import { wireOps } from '../../helpers/wire-ops.js';

/** A library seeded by replica A with ops 1..n, A live. */
function seeded(fake = createFakeServer(), n = 2): { fake: typeof fake; a: FakeClient } {
  const a = fake.connect('lib');
  expect(a.hello({ replicaId: 'A', localSeq: n, atRisk: n }).decision).toBe('accept');
  a.send({ type: 'seed', baselines: [], ops: wireOps('A', 1, n), done: true });
  a.take('synced');
  return { fake, a };
}

describe('authorization at connect', () => {
  test.each([
    ['no token', '', ErrorCode.AUTH_TOKEN_MISSING, CloseCode.AUTH_INVALID],
    ['an invalid token', 'bad', ErrorCode.AUTH_TOKEN_INVALID, CloseCode.AUTH_INVALID],
    ['an expired token', 'expired:lib', ErrorCode.AUTH_TOKEN_EXPIRED, CloseCode.AUTH_EXPIRED],
    ['a token for another library', 'write:other', ErrorCode.AUTH_WRONG_LIBRARY, CloseCode.AUTH_WRONG_LIBRARY],
  ])('%s gets an error frame, then the close code', (_name, token, code, close) => {
    const client = createFakeServer().connect('lib', token);
    expect(client.take('error').code).toBe(code);
    expect(client.closedWith?.code).toBe(close);
  });

  test('frames that arrive while an async verification runs are handled afterwards, in order', async () => {
    let release: (claims: Claims) => void = () => {};
    const fake = createFakeServer({ verifyToken: () => new Promise<Claims>((resolve) => (release = resolve)) });
    const client = fake.connect('lib');
    client.send({ type: 'hello', protocol: PROTOCOL_VERSION, replicaId: 'A', cursor: null, localSeq: 1, atRisk: 1 });
    client.send({ type: 'seed', baselines: [], ops: wireOps('A', 1, 1), done: true });
    expect(client.inbox).toEqual([]);
    release(fakeVerify('write:lib') as Claims);
    await Promise.resolve();
    await Promise.resolve();
    expect(client.inbox.map((m) => m.type)).toEqual(['decision', 'synced']);
  });

  test('an expiry reached mid-connection closes the socket at the next message', () => {
    const fake = createFakeServer({ verifyToken: () => ({ library: 'lib', user: 'ada', role: 'write', exp: fake.now / 1000 + 60 }) });
    const client = fake.connect('lib');
    client.hello({ replicaId: 'A' });
    fake.now += 61_000;
    client.send({ type: 'cursor', serverSeq: 0 });
    expect(client.take('error').code).toBe(ErrorCode.AUTH_TOKEN_EXPIRED);
    expect(client.closedWith?.code).toBe(CloseCode.AUTH_EXPIRED);
  });
});

describe('frames', () => {
  test('a hello of an unsupported version gets PROTOCOL_VERSION_MISMATCH and the version close code', () => {
    const client = createFakeServer().connect('lib');
    client.sendRaw(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION + 1 }));
    expect(client.take('error').code).toBe(ErrorCode.PROTOCOL_VERSION_MISMATCH);
    expect(client.closedWith?.code).toBe(CloseCode.VERSION_MISMATCH);
  });

  test('a malformed frame gets an error with its path and changes nothing', () => {
    const { fake, a } = seeded();
    a.sendRaw(JSON.stringify({ type: 'push', ops: [{ ...wireOps('A', 3, 3)[0], seq: -1 }] }));
    const error = a.take('error');
    expect(error).toMatchObject({ code: ErrorCode.PROTOCOL_INVALID_MESSAGE, details: { path: ['ops', 0, 'seq'] } });
    expect(fake.sql.exec('SELECT COUNT(*) AS n FROM ops')).toEqual([{ n: 2 }]);
    expect(a.closedWith).toBeUndefined();
  });

  test(`up to ${MAX_BAD_FRAMES} undecodable frames are answered; one more closes with POLICY_VIOLATION`, () => {
    const { a } = seeded();
    for (let i = 0; i < MAX_BAD_FRAMES; i++) a.sendRaw('nonsense');
    expect(a.takeAll('error')).toHaveLength(MAX_BAD_FRAMES);
    expect(a.closedWith).toBeUndefined();
    a.sendRaw(new Uint8Array([1, 2, 3]));
    expect(a.take('error').code).toBe(ErrorCode.PROTOCOL_INVALID_MESSAGE);
    expect(a.closedWith?.code).toBe(CloseCode.POLICY_VIOLATION);
  });

  test('refused but well-formed messages do not count as bad frames', () => {
    const { a } = seeded();
    for (let i = 0; i < MAX_BAD_FRAMES + 2; i++) a.send({ type: 'push', ops: wireOps('A', 9, 9) });
    expect(a.takeAll('error').every((e) => e.code === ErrorCode.SERVER_SEQ_GAP)).toBe(true);
    expect(a.closedWith).toBeUndefined();
  });
});

describe('which message may come when', () => {
  test('anything but hello first is unexpected', () => {
    const client = createFakeServer().connect('lib');
    client.send({ type: 'cursor', serverSeq: 0 });
    expect(client.take('error').code).toBe(ErrorCode.PROTOCOL_UNEXPECTED_MESSAGE);
  });

  test('a second hello is unexpected', () => {
    const { a } = seeded();
    a.send({ type: 'hello', protocol: PROTOCOL_VERSION, replicaId: 'A', cursor: null, localSeq: 0, atRisk: 0 });
    expect(a.take('error').code).toBe(ErrorCode.PROTOCOL_UNEXPECTED_MESSAGE);
  });

  test('join without a reset is SYNC_NOTHING_TO_JOIN', () => {
    const { a } = seeded();
    a.send({ type: 'join', replicaId: 'A2' });
    expect(a.take('error').code).toBe(ErrorCode.SYNC_NOTHING_TO_JOIN);
  });

  test('push before the seed is finished is unexpected', () => {
    const client = createFakeServer().connect('lib');
    client.hello({ replicaId: 'A', localSeq: 1, atRisk: 1 });
    client.send({ type: 'push', ops: wireOps('A', 1, 1) });
    expect(client.take('error').code).toBe(ErrorCode.PROTOCOL_UNEXPECTED_MESSAGE);
  });

  test('seed after resume is unexpected', () => {
    const { fake } = seeded();
    const { epoch } = fake.connect('lib', 'read:lib').hello({ replicaId: 'R' });
    const a = fake.connect('lib');
    expect(a.hello({ replicaId: 'A', cursor: { epoch, serverSeq: 2 }, localSeq: 2 }).decision).toBe('resume');
    a.send({ type: 'seed', baselines: [], ops: [], done: true });
    expect(a.take('error').code).toBe(ErrorCode.PROTOCOL_UNEXPECTED_MESSAGE);
  });

  test('a read token may hello and receive, but push and seed are AUTH_FORBIDDEN', () => {
    const fake = createFakeServer();
    const reader = fake.connect('lib', 'read:lib');
    expect(reader.hello({ replicaId: 'R' }).decision).toBe('resume');
    reader.send({ type: 'seed', baselines: [], ops: wireOps('R', 1, 1), done: true });
    reader.send({ type: 'push', ops: wireOps('R', 1, 1) });
    expect(reader.takeAll('error').map((e) => e.code)).toEqual([ErrorCode.AUTH_FORBIDDEN, ErrorCode.AUTH_FORBIDDEN]);
    expect(fake.sql.exec('SELECT COUNT(*) AS n FROM ops')).toEqual([{ n: 0 }]);
  });
});

describe('failures stay on one socket', () => {
  test('an unexpected storage failure becomes SERVER_INTERNAL without internals, and closes only that socket', () => {
    let failing = false;
    const inner = createFakeServer().sql;
    const sql: SqlStorage = {
      exec: (statement, ...params) => {
        if (failing && statement.startsWith('INSERT INTO ops')) throw new Error('disk I/O error at /var/secret/path');
        return inner.exec(statement, ...params);
      },
      transaction: (fn) => inner.transaction(fn),
    };
    const { fake, a } = seeded(createFakeServer({ sql }));
    const b = fake.connect('lib');
    b.hello({ replicaId: 'B' });
    b.send({ type: 'join', replicaId: 'B2' });
    b.take('synced');
    failing = true;
    a.send({ type: 'push', ops: wireOps('A', 3, 3) });
    const error = a.take('error');
    expect(error.code).toBe(ErrorCode.SERVER_INTERNAL);
    expect(JSON.stringify(error)).not.toContain('secret');
    expect(a.closedWith?.code).toBe(CloseCode.INTERNAL_ERROR);
    expect(fake.logs.some((l) => l.event === 'server.internal' && String(l.fields.message).includes('disk I/O'))).toBe(true);
    failing = false;
    b.send({ type: 'push', ops: wireOps('B2', 1, 1) });
    expect(b.take('ack')).toMatchObject({ fromSeq: 1, toSeq: 1, firstServerSeq: 3 });
  });

  test('a socket whose send throws is closed; the others still get the fan-out', () => {
    const { fake, a } = seeded();
    const peers = ['B', 'C'].map((id) => {
      const peer = fake.connect('lib');
      peer.hello({ replicaId: id });
      peer.send({ type: 'join', replicaId: `${id}2` });
      peer.take('synced');
      return peer;
    });
    const broken = fake.server.connect(
      {
        send: (frame) => {
          if (frame.includes('"ops"')) throw new Error('socket gone');
        },
        close: () => {},
      },
      { library: 'lib', token: 'write:lib' },
    );
    broken.receive(encodeMessage({ type: 'hello', protocol: PROTOCOL_VERSION, replicaId: 'X', cursor: null, localSeq: 0, atRisk: 0 }));
    broken.receive(encodeMessage({ type: 'join', replicaId: 'X2' }));
    a.send({ type: 'push', ops: wireOps('A', 3, 3) });
    expect(a.take('ack').firstServerSeq).toBe(3);
    for (const peer of peers) expect(peer.take('ops').ops.map((o) => o.serverSeq)).toEqual([3]);
    expect(fake.server.stats().connections).toBe(3);
  });

  test('a verifyToken that throws a foreign error closes with SERVER_INTERNAL', () => {
    const client = createFakeServer({
      verifyToken: () => {
        throw new TypeError('kaboom');
      },
    }).connect('lib');
    expect(client.take('error').code).toBe(ErrorCode.SERVER_INTERNAL);
    expect(client.closedWith?.code).toBe(CloseCode.INTERNAL_ERROR);
  });

  test('AUTH errors thrown by verifyToken keep their code', () => {
    const client = createFakeServer({
      verifyToken: () => {
        throw new TrellisError(ErrorCode.AUTH_TOKEN_EXPIRED, 'expired');
      },
    }).connect('lib');
    expect(client.take('error').code).toBe(ErrorCode.AUTH_TOKEN_EXPIRED);
    expect(client.closedWith?.code).toBe(CloseCode.AUTH_EXPIRED);
  });
});

/**
 * What the Durable Object adapter needs from the core: connections that
 * survive a recreated server (hibernation), pre-verified claims, the token
 * check as a function, and when compaction can next make progress.
 */
import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import { ErrorCode, TrellisError } from 'trellis';
import { CloseCode, PROTOCOL_VERSION, decodeServerMessage, encodeMessage } from 'trellis/protocol';
import type { ClientMessage, ServerMessage } from 'trellis/protocol';
import { authorize, createSyncServer, refuseSocket } from 'trellis/server';
import type { Claims, Connection, SavedConnection, SqlStorage, SyncServer, VerifyToken } from 'trellis/server';
import { createSqliteStorage } from 'trellis/server/node';
import { wireOps } from '../../helpers/wire-ops.js';

const HOUR_S = 3600;

interface Peer {
  readonly inbox: ServerMessage[];
  closedWith: { code: number; reason: string } | undefined;
  conn: Connection;
  send(message: ClientMessage): void;
  types(): string[];
}

/** A clock, one SQLite database, and servers over it: `wake()` recreates the server as a woken object would. */
function world(o: { truancyMs?: number; verifyToken?: VerifyToken } = {}) {
  const sql: SqlStorage = createSqliteStorage(new Database(':memory:'));
  const clock = { now: 1_700_000_000_000 };
  const claims = (library: string, role: Claims['role'] = 'write', exp = clock.now / 1000 + HOUR_S): Claims => ({ library, user: 'ada', role, exp });
  const verifyToken: VerifyToken = o.verifyToken ?? ((token) => claims(token));
  const start = (): SyncServer =>
    createSyncServer({ sql, now: () => clock.now, verifyToken, createId: () => 'epoch-1', ...(o.truancyMs === undefined ? {} : { truancyMs: o.truancyMs }) });
  const w = { sql, clock, claims, server: start(), wake: () => (w.server = start()) };
  return w;
}

function peer(attach: (socket: { send(frame: string): void; close(code: number, reason: string): void }) => Connection): Peer {
  const p = {
    inbox: [] as ServerMessage[],
    closedWith: undefined as Peer['closedWith'],
    conn: undefined as unknown as Connection,
    send: (message: ClientMessage) => p.conn.receive(encodeMessage(message)),
    types: () => p.inbox.map((m) => m.type),
  };
  p.conn = attach({
    send: (frame) => {
      const decoded = decodeServerMessage(frame);
      if (!decoded.ok) throw decoded.error;
      p.inbox.push(decoded.value);
    },
    close: (code, reason) => {
      p.closedWith = { code, reason };
    },
  });
  return p;
}

const hello = (replicaId: string, localSeq = 0): ClientMessage => ({ type: 'hello', protocol: PROTOCOL_VERSION, replicaId, cursor: null, localSeq, atRisk: localSeq });

/** A seeded the library 'lib' with ops 1..2; B joined as B2; both live on `w.server`. */
function livePair(w: ReturnType<typeof world>) {
  const a = peer((socket) => w.server.connect(socket, { library: 'lib', token: 'lib' }));
  a.send(hello('A', 2));
  a.send({ type: 'seed', baselines: [], ops: wireOps('A', 1, 2), done: true });
  const b = peer((socket) => w.server.connect(socket, { library: 'lib', token: 'lib' }));
  b.send(hello('B'));
  b.send({ type: 'join', replicaId: 'B2' });
  expect([a.types(), b.types()]).toEqual([['decision', 'synced'], ['decision', 'snapshot', 'synced']]);
  return { a, b };
}

describe('restoring connections on a recreated server', () => {
  test('saved live connections continue on new sockets: pushes are acked and fanned out', () => {
    const w = world();
    const { a, b } = livePair(w);
    const saved = { a: a.conn.save(), b: b.conn.save() };
    expect(saved.a).toEqual({ library: 'lib', phase: 'live', claims: w.claims('lib'), replicaId: 'A', localSeq: 2, badFrames: 0, presence: null, protocol: PROTOCOL_VERSION });
    expect(JSON.parse(JSON.stringify(saved.b))).toEqual(saved.b);

    w.wake();
    const a2 = peer((socket) => w.server.restore(socket, saved.a));
    const b2 = peer((socket) => w.server.restore(socket, saved.b));
    expect(w.server.stats()).toEqual({ libraries: 1, connections: 2 });
    a2.send({ type: 'push', ops: wireOps('A', 3, 3) });
    expect(a2.inbox).toEqual([{ type: 'ack', replicaId: 'A', fromSeq: 3, toSeq: 3, firstServerSeq: 3 }]);
    expect(b2.inbox).toEqual([{ type: 'ops', ops: [{ serverSeq: 3, op: wireOps('A', 3, 3)[0] }] }]);
    b2.send(hello('B2'));
    expect(b2.inbox.at(-1)).toMatchObject({ type: 'error', code: ErrorCode.PROTOCOL_UNEXPECTED_MESSAGE });
  });

  test('a restored connection keeps the form its hello chose: packed for protocol 5, plain for a state saved before version 5 (no protocol)', () => {
    const w = world();
    const { a, b } = livePair(w);
    const saved = { a: a.conn.save(), b: b.conn.save() };
    expect(saved.b.protocol).toBe(PROTOCOL_VERSION);
    const { protocol: _, ...beforeVersion5 } = saved.b;
    w.wake();
    const a2 = peer((socket) => w.server.restore(socket, saved.a));
    const raw = (state: SavedConnection) => {
      const frames: string[] = [];
      w.server.restore({ send: (frame) => void frames.push(frame), close: () => {} }, state);
      return frames;
    };
    const [packed, plain] = [raw(saved.b), raw(beforeVersion5)];
    a2.send({ type: 'push', ops: wireOps('A', 3, 3) });
    expect(packed).toEqual([expect.stringMatching(/^\{"type":"ops","packed":\{/)]);
    expect(plain).toEqual([expect.stringMatching(/^\{"type":"ops","ops":\[/)]);
    expect(decodeServerMessage(packed[0] as string)).toEqual(decodeServerMessage(plain[0] as string));
  });

  test('restored claims still expire, and restored bad frames still count', () => {
    const w = world();
    const { a, b } = livePair(w);
    b.conn.receive('not json');
    const saved = { a: a.conn.save(), b: b.conn.save() };
    expect(saved.b.badFrames).toBe(1);
    w.wake();
    const b2 = peer((socket) => w.server.restore(socket, saved.b));
    expect(b2.conn.save().badFrames).toBe(1);
    w.clock.now += 2 * HOUR_S * 1000;
    const a2 = peer((socket) => w.server.restore(socket, saved.a));
    a2.send({ type: 'cursor', serverSeq: 2 });
    expect(a2.inbox).toMatchObject([{ type: 'error', code: ErrorCode.AUTH_TOKEN_EXPIRED }]);
    expect(a2.closedWith?.code).toBe(CloseCode.AUTH_EXPIRED);
  });

  test('a connection restored mid-seed is closed with GOING_AWAY, stores nothing, and the library can be seeded again', () => {
    const w = world();
    const a = peer((socket) => w.server.connect(socket, { library: 'lib', token: 'lib' }));
    a.send(hello('A', 4));
    a.send({ type: 'seed', baselines: [], ops: wireOps('A', 1, 2), done: false });
    const saved = a.conn.save();
    expect(saved.phase).toBe('seeding');
    w.wake();
    const a2 = peer((socket) => w.server.restore(socket, saved));
    expect(a2.closedWith?.code).toBe(CloseCode.GOING_AWAY);
    expect(w.server.stats().connections).toBe(0);
    expect(w.sql.exec('SELECT COUNT(*) AS n FROM ops')).toEqual([{ n: 0 }]);
    const again = peer((socket) => w.server.connect(socket, { library: 'lib', token: 'lib' }));
    again.send(hello('A', 4));
    expect(again.inbox[0]).toMatchObject({ decision: 'accept' });
  });

  test('a connection saved while its token was being verified is closed with GOING_AWAY; a closed one is not registered', () => {
    const w = world({ verifyToken: () => new Promise<Claims>(() => {}) });
    const pending = peer((socket) => w.server.connect(socket, { library: 'lib', token: 'lib' }));
    const saved = pending.conn.save();
    expect(saved.phase).toBe('verifying');
    w.wake();
    expect(peer((socket) => w.server.restore(socket, saved)).closedWith?.code).toBe(CloseCode.GOING_AWAY);
    peer((socket) => w.server.restore(socket, { ...saved, phase: 'closed' }));
    expect(w.server.stats().connections).toBe(0);
  });
});

describe('claims checked by the adapter', () => {
  test('connect with claims skips token verification and answers hello at once', () => {
    const w = world({
      verifyToken: () => {
        throw new Error('not called');
      },
    });
    const a = peer((socket) => w.server.connect(socket, { library: 'lib', token: 'whatever', claims: w.claims('lib') }));
    a.send(hello('A'));
    expect(a.inbox[0]).toMatchObject({ type: 'decision', decision: 'accept' });
  });

  test.each([
    ['no token', null, ErrorCode.AUTH_TOKEN_MISSING, CloseCode.AUTH_INVALID],
    ['an invalid token', 'bad', ErrorCode.AUTH_TOKEN_INVALID, CloseCode.AUTH_INVALID],
    ['an expired token', 'expired', ErrorCode.AUTH_TOKEN_EXPIRED, CloseCode.AUTH_EXPIRED],
    ['a token for another library', 'other', ErrorCode.AUTH_WRONG_LIBRARY, CloseCode.AUTH_WRONG_LIBRARY],
  ])('authorize refuses %s with the error frame and close code that connect sends', async (_name, token, code, close) => {
    const verifyToken: VerifyToken = async (t) => {
      if (t === 'bad') throw new TrellisError(ErrorCode.AUTH_TOKEN_INVALID, 'bad');
      if (t === 'expired') throw new TrellisError(ErrorCode.AUTH_TOKEN_EXPIRED, 'expired');
      return { library: t, user: 'ada', role: 'write', exp: 4_000_000_000 };
    };
    const verdict = await authorize(verifyToken, { library: 'lib', token });
    expect(verdict).toMatchObject({ ok: false, error: { code }, close });
    if (verdict.ok) return;
    const edge = peer((socket) => (refuseSocket(socket, verdict), undefined as unknown as Connection));
    const core = peer((socket) => createSyncServer({ sql: createSqliteStorage(new Database(':memory:')), now: Date.now, verifyToken }).connect(socket, { library: 'lib', token }));
    await Promise.resolve();
    await Promise.resolve();
    expect(edge.inbox.map(({ type, code: c }: ServerMessage & { code?: string }) => [type, c])).toEqual(core.inbox.map(({ type, code: c }: ServerMessage & { code?: string }) => [type, c]));
    expect(edge.closedWith).toEqual(core.closedWith);
  });

  test('authorize returns the claims of a good token and rethrows a failing verifier', async () => {
    const claims: Claims = { library: 'lib', user: 'ada', role: 'read', exp: 4_000_000_000 };
    expect(await authorize(() => claims, { library: 'lib', token: 't' })).toEqual({ ok: true, claims });
    await expect(authorize(() => Promise.reject(new Error('down')), { library: 'lib', token: 't' })).rejects.toThrow('down');
  });
});

describe('next compaction', () => {
  test('nothing waits while the horizon is at the head; now once it can move', () => {
    const w = world();
    const { a, b } = livePair(w);
    w.server.compact('lib');
    expect(w.server.nextCompaction('lib')).toBeUndefined();
    a.send({ type: 'push', ops: wireOps('A', 3, 4) });
    expect(w.server.nextCompaction('lib')).toBeUndefined();
    a.send({ type: 'cursor', serverSeq: 4 });
    b.send({ type: 'cursor', serverSeq: 4 });
    expect(w.server.nextCompaction('lib')).toBe(w.clock.now);
    w.server.compact('lib');
    expect(w.server.nextCompaction('lib')).toBeUndefined();
    expect(w.server.nextCompaction('unknown')).toBeUndefined();
  });

  test('a disconnected replica holding the horizon sets the time: when it turns truant', () => {
    const w = world({ truancyMs: 60_000 });
    const { a, b } = livePair(w);
    w.server.compact('lib');
    a.send({ type: 'push', ops: wireOps('A', 3, 4) });
    a.send({ type: 'cursor', serverSeq: 4 });
    // B2 holds the horizon at 2 but is connected: it will send its cursor itself.
    expect(w.server.nextCompaction('lib')).toBeUndefined();
    w.clock.now += 1000;
    const leftAt = w.clock.now;
    b.conn.closed();
    expect(w.server.nextCompaction('lib')).toBe(leftAt + 60_001);
    w.clock.now = leftAt + 60_001;
    expect(w.server.compact('lib')).toEqual([{ library: 'lib', horizon: 4, squashed: 2, more: false }]);
    expect(w.server.nextCompaction('lib')).toBeUndefined();
  });
});

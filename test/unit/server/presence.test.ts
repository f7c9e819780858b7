/**
 * The core's presence, with a test clock: who gets which presence frames,
 * the grace and its expiry, profiles (cached, bounded, checked), phases, and
 * presence carried across a recreated server (hibernation).
 */
import Database from 'better-sqlite3';
import { describe, expect, test, vi } from 'vitest';
import { ErrorCode } from 'trellis';
import type { JsonObject } from 'trellis';
import { PROTOCOL_VERSION, decodeServerMessage, encodeMessage } from 'trellis/protocol';
import type { ClientMessage, ServerMessage } from 'trellis/protocol';
import { createSyncServer } from 'trellis/server';
import type { Connection, ProfileSource, SqlStorage, SyncServer } from 'trellis/server';
import { createSqliteStorage } from 'trellis/server/node';

interface Peer {
  readonly inbox: ServerMessage[];
  conn: Connection;
  send(message: ClientMessage): void;
  /** Messages received since the last call. */
  take(): ServerMessage[];
}

function world(o: { profiles?: ProfileSource; presenceGraceMs?: number } = {}) {
  const sql: SqlStorage = createSqliteStorage(new Database(':memory:'));
  const clock = { now: 1_700_000_000_000 };
  const start = (): SyncServer =>
    createSyncServer({
      sql,
      now: () => clock.now,
      // The token is the user id.
      verifyToken: (token) => ({ library: 'lib', user: token, role: 'write', exp: clock.now / 1000 + 3600 }),
      presenceGraceMs: o.presenceGraceMs ?? 1000,
      ...(o.profiles === undefined ? {} : { profiles: o.profiles }),
    });
  const w = {
    clock,
    server: start(),
    wake: () => (w.server = start()),
    /** A live connection of `user` as `replicaId` (the library stays empty: each one seeds nothing). */
    live(user: string, replicaId: string): Peer {
      const p = peer((socket) => w.server.connect(socket, { library: 'lib', token: user }));
      p.send({ type: 'hello', protocol: PROTOCOL_VERSION, replicaId, cursor: null, localSeq: 0, atRisk: 0 });
      p.send({ type: 'seed', baselines: [], ops: [], done: true });
      expect(p.take().map((m) => m.type)).toEqual(['decision', 'synced']);
      return p;
    },
  };
  return w;
}

function peer(attach: (socket: { send(frame: string): void; close(code: number, reason: string): void }) => Connection): Peer {
  let taken = 0;
  const p: Peer = {
    inbox: [],
    conn: undefined as unknown as Connection,
    send: (message) => p.conn.receive(encodeMessage(message)),
    take: () => p.inbox.slice(taken, (taken = p.inbox.length)),
  };
  p.conn = attach({
    send: (frame) => {
      const decoded = decodeServerMessage(frame);
      if (!decoded.ok) throw decoded.error;
      p.inbox.push(decoded.value);
    },
    close: () => {},
  });
  return p;
}

const presence = (state: ClientMessage extends infer M ? (M extends { type: 'presence'; state: infer S } ? S : never) : never): ClientMessage => ({ type: 'presence', state });

describe('presence frames', () => {
  test('only connections that sent presence receive it; the first gets a snapshot, the others a delta', () => {
    const w = world();
    const a = w.live('ada', 'A');
    const quiet = w.live('bob', 'Q');
    a.send(presence({ viewing: 1 }));
    expect(a.take()).toEqual([{ type: 'presence', replace: true, replicas: [] }]);
    const b = w.live('bob', 'B');
    b.send(presence(null));
    expect(b.take()).toEqual([{ type: 'presence', replace: true, replicas: [{ replicaId: 'A', userId: 'ada', state: { viewing: 1 }, at: w.clock.now }] }]);
    expect(a.take()).toEqual([{ type: 'presence', replicas: [{ replicaId: 'B', userId: 'bob', state: null, at: w.clock.now }] }]);
    expect(quiet.take()).toEqual([]);
  });

  test('presence before live is refused by phase, and nothing changes', () => {
    const w = world();
    const early = peer((socket) => w.server.connect(socket, { library: 'lib', token: 'ada' }));
    early.send(presence({ x: 1 }));
    expect(early.take()).toMatchObject([{ type: 'error', code: ErrorCode.PROTOCOL_UNEXPECTED_MESSAGE }]);
    const a = w.live('ada', 'A');
    a.send(presence({ x: 2 }));
    expect(a.take()).toEqual([{ type: 'presence', replace: true, replicas: [] }]);
  });

  test('a disconnected replica stays for the grace, then one `left` goes to the others', () => {
    const w = world({ presenceGraceMs: 1000 });
    const a = w.live('ada', 'A');
    const b = w.live('bob', 'B');
    a.send(presence(null));
    b.send(presence(null));
    a.take();
    b.conn.closed();
    expect(w.server.nextPresenceExpiry()).toBe(w.clock.now + 1000);
    expect(w.server.nextPresenceExpiry('other')).toBeUndefined();
    w.clock.now += 999;
    w.server.expirePresence();
    expect(a.take()).toEqual([]);
    w.clock.now += 1;
    w.server.expirePresence('lib');
    expect(a.take()).toEqual([{ type: 'presence', left: ['B'] }]);
    expect(w.server.nextPresenceExpiry()).toBeUndefined();
  });

  test('a replica back within the grace is updated, not removed', () => {
    const w = world();
    const a = w.live('ada', 'A');
    const b = w.live('bob', 'B');
    a.send(presence(null));
    b.send(presence({ v: 1 }));
    b.conn.closed();
    const back = w.live('bob', 'B');
    back.send(presence({ v: 2 }));
    w.clock.now += 5000;
    w.server.expirePresence();
    expect(a.take().slice(1)).toEqual([
      { type: 'presence', replicas: [{ replicaId: 'B', userId: 'bob', state: { v: 1 }, at: w.clock.now - 5000 }] },
      { type: 'presence', replicas: [{ replicaId: 'B', userId: 'bob', state: { v: 2 }, at: w.clock.now - 5000 }] },
    ]);
  });
});

describe('profiles', () => {
  test('are looked up once per user within the TTL, again after it, and the cache is bounded', () => {
    const get = vi.fn((userId: string) => ({ name: userId.toUpperCase() }));
    const w = world({ profiles: { get, ttlMs: 10_000, maxEntries: 2 } });
    const a = w.live('ada', 'A');
    a.send(presence(null));
    const b = w.live('bob', 'B');
    b.send(presence(null));
    expect(b.take()).toMatchObject([{ replace: true, profiles: { ada: { name: 'ADA' } } }]);
    expect(a.take()).toMatchObject([{ replace: true }, { replicas: [{ replicaId: 'B' }], profiles: { bob: { name: 'BOB' } } }]);
    w.live('ada', 'A2').send(presence(null));
    expect(get.mock.calls.map(([user]) => user)).toEqual(['ada', 'bob']);
    w.live('cy', 'C').send(presence(null));
    w.live('ada', 'A3').send(presence(null));
    expect(get.mock.calls.map(([user]) => user)).toEqual(['ada', 'bob', 'cy', 'ada']);
    w.clock.now += 10_001;
    w.live('bob', 'B2').send(presence(null));
    expect(get.mock.calls.map(([user]) => user)).toEqual(['ada', 'bob', 'cy', 'ada', 'bob']);
  });

  test('an async profile follows as its own update; failing or oversized profiles are null', async () => {
    const source: ProfileSource = {
      get: async (userId): Promise<JsonObject> => {
        if (userId === 'broken') throw new Error('user store down');
        return userId === 'huge' ? { bio: 'x'.repeat(5000) } : { name: userId };
      },
    };
    const w = world({ profiles: source });
    const a = w.live('ada', 'A');
    a.send(presence(null));
    for (const user of ['bob', 'broken', 'huge']) w.live(user, user.toUpperCase()).send(presence(null));
    await new Promise((resolve) => setTimeout(resolve, 0));
    const profiles = a.take().flatMap((m) => (m.type === 'presence' && m.profiles ? Object.entries(m.profiles) : []));
    expect(Object.fromEntries(profiles)).toEqual({ ada: { name: 'ada' }, bob: { name: 'bob' }, broken: null, huge: null });
    const late = w.live('dee', 'D');
    late.send(presence(null));
    const snapshot = late.take()[0];
    expect(snapshot).toMatchObject({ replace: true, profiles: { ada: { name: 'ada' }, bob: { name: 'bob' }, broken: null, huge: null } });
  });
});

describe('presence across a recreated server', () => {
  test('each connection saves its state; a woken server restores it silently and resynchronizes on the next expiry', () => {
    const w = world({ presenceGraceMs: 1000 });
    const a = w.live('ada', 'A');
    const b = w.live('bob', 'B');
    const c = w.live('cy', 'C');
    a.send(presence({ v: 'a' }));
    b.send(presence({ v: 'b' }));
    c.send(presence({ v: 'c' }));
    c.conn.closed();
    const saved = { a: a.conn.save(), b: b.conn.save() };
    expect(saved.a.presence).toEqual({ state: { v: 'a' }, at: w.clock.now });
    a.take();
    b.take();

    w.wake();
    const a2 = peer((socket) => w.server.restore(socket, saved.a));
    const b2 = peer((socket) => w.server.restore(socket, saved.b));
    expect([a2.take(), b2.take()]).toEqual([[], []]);
    expect(w.server.nextPresenceExpiry()).toBeUndefined();
    w.server.expirePresence();
    expect(a2.take()).toEqual([{ type: 'presence', replace: true, replicas: [{ replicaId: 'B', userId: 'bob', state: { v: 'b' }, at: w.clock.now }] }]);
    b2.send(presence({ v: 'b2' }));
    expect(a2.take()).toEqual([{ type: 'presence', replicas: [{ replicaId: 'B', userId: 'bob', state: { v: 'b2' }, at: w.clock.now }] }]);
  });
});

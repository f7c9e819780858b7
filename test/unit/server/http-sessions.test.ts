/**
 * The HTTP session layer over the real core and SQLite in memory, with the
 * timers in the test's hands: idle expiry, the bound on what an absent or
 * stalled poller holds, poll answers cut at pollBytes, one waiting poll per
 * session, and the close delivered after the frames before it.
 */
import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import { ErrorCode } from 'trellis';
import { CloseCode, PROTOCOL_VERSION, encodeMessage } from 'trellis/protocol';
import type { ClientMessage } from 'trellis/protocol';
import { createHttpSessions, createSyncServer } from 'trellis/server';
import type { HttpSyncLimits, SyncLimits } from 'trellis/server';
import { createSqliteStorage } from 'trellis/server/node';
import { fakeVerify } from '../../helpers/fake-sync-server.js';
import { wireOps } from '../../helpers/wire-ops.js';

/** Timers that fire only when the test says so. */
function manualTimers() {
  const pending = new Set<{ fn: () => void; ms: number }>();
  return {
    setTimer: (fn: () => void, ms: number) => {
      const timer = { fn, ms };
      pending.add(timer);
      return () => void pending.delete(timer);
    },
    /** Fires every pending timer of `ms`. */
    fire(ms: number): number {
      const due = [...pending].filter((t) => t.ms === ms);
      for (const t of due) pending.delete(t), t.fn();
      return due.length;
    },
  };
}

function start(o: { limits?: Partial<SyncLimits>; http?: Partial<HttpSyncLimits> } = {}) {
  const server = createSyncServer({ sql: createSqliteStorage(new Database(':memory:')), now: () => 1_700_000_000_000, verifyToken: fakeVerify, limits: o.limits ?? {} });
  const timers = manualTimers();
  const sessions = createHttpSessions({ server, verifyToken: fakeVerify, setTimer: timers.setTimer, limits: { pollMs: 25_000, idleMs: 60_000, ...o.http } });
  const open = async (token = 'write:lib') => {
    const opened = await sessions.open({ library: 'lib', token });
    if (!opened.ok) throw opened.error;
    const session = opened.value.session;
    const send = (message: ClientMessage) => sessions.send({ library: 'lib', token, session, frame: encodeMessage(message) });
    const poll = async () => {
      const polled = await sessions.poll({ library: 'lib', token, session });
      if (!polled.ok) throw polled.error;
      return polled.value;
    };
    return { session, send, poll };
  };
  return { server, timers, sessions, open };
}

/** Lets a call's asynchronous token check finish, so its poll is registered (the verifier resolves at once). */
const registered = () => new Promise((resolve) => setImmediate(resolve));

const hello = (replicaId: string, localSeq = 0): ClientMessage => ({ type: 'hello', protocol: PROTOCOL_VERSION, replicaId, cursor: null, localSeq, atRisk: localSeq });

describe('HTTP sessions', () => {
  test('a session without a waiting poll for idleMs is closed: its connection ends and its id is unknown after', async () => {
    const s = start();
    const a = await s.open();
    await a.send(hello('A'));
    expect((await a.poll()).frames.map((f) => JSON.parse(f).type)).toEqual(['decision']);
    expect(s.server.stats().connections).toBe(1);
    expect(s.timers.fire(60_000)).toBe(1);
    expect(s.server.stats().connections).toBe(0);
    expect(s.sessions.count()).toBe(0);
    const late = await s.sessions.poll({ library: 'lib', token: 'write:lib', session: a.session });
    expect(late.ok ? 'answered' : late.error.code).toBe(ErrorCode.HTTP_SESSION_NOT_FOUND);
  });

  test('a waiting poll keeps its session: no idle timer runs while it waits, and one starts once it is answered', async () => {
    const s = start();
    const a = await s.open();
    s.timers.fire(60_000 + 1); // nothing of that length
    const waiting = a.poll();
    await registered();
    expect(s.timers.fire(60_000)).toBe(0);
    await a.send(hello('A'));
    expect((await waiting).frames).toHaveLength(1);
    expect(s.sessions.count()).toBe(1);
    expect(s.timers.fire(60_000)).toBe(1);
    expect(s.sessions.count()).toBe(0);
  });

  test('a poll with nothing to say answers with no frames after pollMs', async () => {
    const s = start();
    const a = await s.open();
    const waiting = a.poll();
    await registered();
    expect(s.timers.fire(25_000)).toBe(1);
    expect(await waiting).toEqual({ frames: [] });
  });

  test('a second poll answers the first at once with nothing, and gets the frames itself', async () => {
    const s = start();
    const a = await s.open();
    const first = a.poll();
    const second = a.poll();
    expect(await first).toEqual({ frames: [] });
    await a.send(hello('A'));
    expect((await second).frames).toHaveLength(1);
  });

  test('an absent poller is closed by the send-queue bound once live frames pass maxSocketQueueBytes, and then holds only the refusal', async () => {
    const limit = 64 * 1024;
    const s = start({ limits: { maxSocketQueueBytes: limit } });
    const writer = await s.open();
    await writer.send(hello('W', 1));
    await writer.send({ type: 'seed', baselines: [], ops: wireOps('W', 1, 1), done: true });
    const absent = await s.open();
    await absent.send(hello('R'));
    await absent.send({ type: 'join', replicaId: 'R2' });
    const before = s.server.stats().connections;
    const connections: number[] = [];
    // The writer pushes 1 KiB ops; the absent session never polls.
    for (let seq = 2; seq <= 200; seq++) {
      await writer.send({ type: 'push', ops: wireOps('W', seq, seq, { change: { kind: 'put', value: { blob: 'x'.repeat(1024) } } }) });
      connections.push(s.server.stats().connections);
    }
    // Closed once past the bound (about 64 pushes of 1 KiB), not at the end.
    expect(connections.indexOf(before - 1)).toBeGreaterThan(50);
    expect(connections.indexOf(before - 1)).toBeLessThan(80);
    // What it was sent before the close is dropped (it resumes from its cursor); the refusal and the close remain.
    const answer = await absent.poll();
    expect(answer.frames.map((f) => JSON.parse(f))).toEqual([expect.objectContaining({ type: 'error', code: ErrorCode.SERVER_LIMIT_EXCEEDED })]);
    expect(answer.close?.code).toBe(CloseCode.TRY_AGAIN_LATER);
    expect(s.sessions.count()).toBe(1);
  });

  test('closed sessions not yet polled count against maxSessionsPerUser: the next open is refused until one is polled', async () => {
    const s = start({ http: { maxSessionsPerUser: 2 } });
    const first = await s.open();
    const second = await s.open();
    // The core closes both (nine undecodable frames each: POLICY_VIOLATION); their connection slots are free.
    for (const session of [first, second]) for (let i = 0; i < 9; i++) await s.sessions.send({ library: 'lib', token: 'write:lib', session: session.session, frame: 'not json' });
    expect(s.server.stats().connections).toBe(0);
    const refused = await s.sessions.open({ library: 'lib', token: 'write:lib' });
    expect(refused.ok ? 'opened' : [refused.error.code, refused.error.details.limit, refused.close]).toEqual([ErrorCode.SERVER_LIMIT_EXCEEDED, 'sessionsPerUser', CloseCode.TRY_AGAIN_LATER]);
    // Another user is not held back; fetching the close frees the slot.
    expect((await s.sessions.open({ library: 'lib', token: 'write:lib:bob' })).ok).toBe(true);
    expect((await first.poll()).close?.code).toBe(CloseCode.POLICY_VIOLATION);
    expect((await s.sessions.open({ library: 'lib', token: 'write:lib' })).ok).toBe(true);
  });

  test('a poll answer carries at most pollBytes of frames, and always one frame however big', async () => {
    const s = start({ http: { pollBytes: 1500 } });
    const writer = await s.open();
    await writer.send(hello('W', 1));
    await writer.send({ type: 'seed', baselines: [], ops: wireOps('W', 1, 1), done: true });
    await writer.poll();
    const reader = await s.open();
    await reader.send(hello('R'));
    await reader.send({ type: 'join', replicaId: 'R2' });
    await reader.poll();
    for (let seq = 2; seq <= 5; seq++) await writer.send({ type: 'push', ops: wireOps('W', seq, seq, { change: { kind: 'put', value: { blob: 'y'.repeat(600) } } }) });
    await writer.send({ type: 'push', ops: wireOps('W', 6, 6, { change: { kind: 'put', value: { blob: 'z'.repeat(3000) } } }) });
    const sizes: number[][] = [];
    for (let received = 0; received < 5; ) {
      const { frames } = await reader.poll();
      sizes.push(frames.map((f) => Buffer.byteLength(f)));
      received += frames.length;
    }
    for (const answer of sizes) expect(answer.length === 1 || answer.reduce((a, b) => a + b, 0) <= 1500).toBe(true);
    expect(sizes.flat().some((size) => size > 1500)).toBe(true);
  });

  test('a refused open (a connection limit) holds no session and no connection', async () => {
    const s = start({ limits: { maxConnectionsPerUser: 2 } });
    await s.open();
    await s.open('read:lib');
    const third = await s.sessions.open({ library: 'lib', token: 'write:lib' });
    expect(third.ok ? 'opened' : [third.error.code, third.close]).toEqual([ErrorCode.SERVER_LIMIT_EXCEEDED, CloseCode.TRY_AGAIN_LATER]);
    expect(s.sessions.count()).toBe(2);
    expect(s.server.stats().connections).toBe(2);
  });

  test("another user's token cannot poll, post to or end a session, which goes on working for its owner", async () => {
    const s = start();
    const a = await s.open('write:lib:ada');
    for (const call of [s.sessions.poll, s.sessions.end]) {
      const refused = await call({ library: 'lib', token: 'write:lib:bob', session: a.session });
      expect(refused.ok ? 'allowed' : refused.error.code).toBe(ErrorCode.HTTP_SESSION_NOT_FOUND);
    }
    const posted = await s.sessions.send({ library: 'lib', token: 'write:lib:bob', session: a.session, frame: encodeMessage(hello('B')) });
    expect(posted.ok ? 'allowed' : posted.error.code).toBe(ErrorCode.HTTP_SESSION_NOT_FOUND);
    await a.send(hello('A'));
    expect((await a.poll()).frames.map((f) => JSON.parse(f).type)).toEqual(['decision']);
  });
});

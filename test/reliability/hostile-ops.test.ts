/**
 * Hostile ops from a client holding a valid write token: claiming another
 * replica's id, skipping or repeating seqs, forking an existing
 * (replicaId, seq), structurally invalid ops, and speaking as another user's
 * replica. Each is refused with its typed error, logged, and stores nothing.
 *
 * The server is schema-agnostic by design (the app's schema lives in the
 * client): an op that is valid on the wire but breaks the app's schema
 * (`title: 42`) is stored and synced. SECURITY.md says what that means.
 */
import { firstValueFrom } from 'rxjs';
import { describe, expect, test } from 'vitest';
import { ErrorCode } from 'trellis';
import { formatTimestamp } from '../../src/core/index.js';
import { CloseCode } from 'trellis/protocol';
import { createFakeServer } from '../helpers/fake-sync-server.js';
import type { FakeClient, FakeServer } from '../helpers/fake-sync-server.js';
import { wireOp, wireOps } from '../helpers/wire-ops.js';
import { createRig } from './helpers.js';

/** A library seeded by A (user ada) with ops 1..2, A live. */
function seeded(): { fake: FakeServer; a: FakeClient } {
  const fake = createFakeServer();
  const a = fake.connect('lib', 'write:lib:ada');
  a.hello({ replicaId: 'A', localSeq: 2, atRisk: 2 });
  a.send({ type: 'seed', baselines: [], ops: wireOps('A', 1, 2), done: true });
  a.take('synced');
  return { fake, a };
}

const stored = (fake: FakeServer) => fake.sql.exec<{ replica: string; seq: number; change: string }>('SELECT replica, seq, change FROM ops ORDER BY server_seq');
const refusals = (fake: FakeServer) => fake.logs.filter((l) => l.event === 'message.refused').map((l) => l.fields.code);

describe('hostile ops are refused with typed errors, logged, and store nothing', () => {
  test.each([
    ['ops of another replica', () => [wireOp({ replicaId: 'B', seq: 3 })], ErrorCode.SERVER_REPLICA_MISMATCH, { index: 0, replicaId: 'B', expected: 'A' }],
    ['a skipped seq', () => wireOps('A', 4, 4), ErrorCode.SERVER_SEQ_GAP, { expected: 3, received: 4 }],
    ['a repeated seq inside one push', () => [...wireOps('A', 3, 3), ...wireOps('A', 3, 3)], ErrorCode.SERVER_SEQ_GAP, { index: 1, expected: 4, received: 3 }],
    ['seqs out of order', () => [...wireOps('A', 4, 4), ...wireOps('A', 3, 3)], ErrorCode.SERVER_SEQ_GAP, {}],
    ['a fork of a stored (replicaId, seq)', () => [wireOp({ replicaId: 'A', seq: 2, change: { kind: 'delete' } })], ErrorCode.FORK_DETECTED, { replicaId: 'A', seq: 2 }],
    ['a good op after a forked one', () => [wireOp({ replicaId: 'A', seq: 2, change: { kind: 'delete' } }), wireOp({ replicaId: 'A', seq: 3 })], ErrorCode.FORK_DETECTED, { seq: 2 }],
  ])('%s', (_name, ops, code, details) => {
    const { fake, a } = seeded();
    const before = stored(fake);
    a.send({ type: 'push', ops: ops() });
    expect(a.take('error')).toMatchObject({ code, details });
    expect(a.closedWith).toBeUndefined();
    expect(stored(fake)).toEqual(before);
    expect(refusals(fake)).toContain(code);
    // The connection still works for honest ops.
    a.send({ type: 'push', ops: wireOps('A', 3, 3) });
    expect(a.take('ack')).toMatchObject({ fromSeq: 3, toSeq: 3 });
  });

  test('an identical re-sent op is acknowledged again at its first server seq and stored once', () => {
    const { fake, a } = seeded();
    a.send({ type: 'push', ops: wireOps('A', 2, 3) });
    expect(a.takeAll('ack')).toMatchObject([{ fromSeq: 2, toSeq: 3, firstServerSeq: 2 }]);
    expect(stored(fake).map((r) => r.seq)).toEqual([1, 2, 3]);
  });

  test.each([
    ['a timestamp that is not an HLC', { ts: 'yesterday' }, ['ops', 0, 'ts']],
    ['a path through __proto__', { change: { kind: 'set', path: ['__proto__', 'polluted'], value: true } }, ['ops', 0, 'change', 'path', 0]],
    ['a path through constructor.prototype', { change: { kind: 'set', path: ['constructor', 'prototype'], value: 1 } }, ['ops', 0, 'change', 'path', 0]],
    ['a value with a __proto__ key', { change: { kind: 'put', value: JSON.parse('{"__proto__":{"polluted":true}}') } }, ['ops', 0, 'change', 'value']],
    ['an unknown change kind', { change: { kind: 'truncate' } }, ['ops', 0, 'change', 'kind']],
    ['an unknown op field', { owner: 'root' }, ['ops', 0, 'owner']],
    ['a seq of zero', { seq: 0 }, ['ops', 0, 'seq']],
    ['an empty document id', { id: '' }, ['ops', 0, 'id']],
  ])('a structurally invalid op (%s) is PROTOCOL_INVALID_MESSAGE with its path', (_name, patch, path) => {
    const { fake, a } = seeded();
    const before = stored(fake);
    a.sendRaw(JSON.stringify({ type: 'push', ops: [{ ...wireOp({ replicaId: 'A', seq: 3 }), ...patch }] }));
    expect(a.take('error')).toMatchObject({ code: ErrorCode.PROTOCOL_INVALID_MESSAGE, details: { path } });
    expect(stored(fake)).toEqual(before);
    expect(fake.logs.some((l) => l.event === 'frame.invalid')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('a seed whose baseline smuggles a __proto__ key is refused whole; nothing is stored and no prototype changes', () => {
    const fake = createFakeServer();
    const a = fake.connect('lib', 'write:lib:ada');
    a.hello({ replicaId: 'A', localSeq: 1, atRisk: 1 });
    const [op] = wireOps('A', 1, 1);
    const entry = { stamp: `${op!.ts}A`, seq: 1, change: { kind: 'put', value: JSON.parse('{"__proto__":{"polluted":true}}') } };
    a.sendRaw(JSON.stringify({ type: 'seed', baselines: [{ collection: 'todos', id: 'x', state: { entries: [entry] }, replicaId: 'A', ts: op!.ts }], ops: [], done: true }));
    expect(a.take('error')).toMatchObject({ code: ErrorCode.PROTOCOL_INVALID_MESSAGE });
    expect(fake.sql.exec('SELECT COUNT(*) AS n FROM baselines')).toEqual([{ n: 0 }]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('values with constructor/prototype keys stay data through storage, compaction and snapshots', () => {
    const { fake, a } = seeded();
    const value = { constructor: { prototype: { polluted: true } }, prototype: { polluted: true }, title: 'x' };
    a.send({ type: 'push', ops: [wireOp({ replicaId: 'A', seq: 3, id: 'p', change: { kind: 'put', value } })] });
    a.take('ack');
    a.send({ type: 'cursor', serverSeq: 3 });
    fake.server.compact();
    const b = fake.connect('lib', 'write:lib:bob');
    b.hello({ replicaId: 'B' });
    b.send({ type: 'join', replicaId: 'B2' });
    const snapshot = b.take('snapshot');
    expect(snapshot.baselines.find((x) => x.id === 'p')?.state.entries[0]?.change).toEqual({ kind: 'put', value });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('an op that is valid on the wire but breaks the app schema is stored: the server is schema-agnostic', () => {
    const { fake, a } = seeded();
    a.send({ type: 'push', ops: [wireOp({ replicaId: 'A', seq: 3, change: { kind: 'set', path: ['title'], value: 42 } })] });
    expect(a.take('ack')).toMatchObject({ toSeq: 3 });
    expect(stored(fake).at(-1)).toMatchObject({ seq: 3 });
  });
});

describe('timestamps', () => {
  test('the last timestamp of the range, which would exhaust every replica\'s clock, is refused on the wire', () => {
    const { fake, a } = seeded();
    a.sendRaw(JSON.stringify({ type: 'push', ops: [{ ...wireOp({ replicaId: 'A', seq: 3 }), ts: 'zzzzzzzzzzzzz' }] }));
    expect(a.take('error')).toMatchObject({ code: ErrorCode.PROTOCOL_INVALID_MESSAGE, details: { path: ['ops', 0, 'ts'] } });
    expect(stored(fake).map((r) => r.seq)).toEqual([1, 2]);
  });

  test('with maxClockAheadMs, an op stamped further ahead is SERVER_CLOCK_AHEAD, in a push or in a seed', () => {
    const fake = createFakeServer({ limits: { maxClockAheadMs: 86_400_000 } });
    const ahead = formatTimestamp({ ms: fake.now + 2 * 86_400_000, counter: 0 });
    const a = fake.connect('lib', 'write:lib:ada');
    a.hello({ replicaId: 'A', localSeq: 1, atRisk: 1 });
    const [op] = wireOps('A', 1, 1);
    const entry = { stamp: `${ahead}A`, seq: 1, change: op!.change };
    a.send({ type: 'seed', baselines: [{ collection: 'todos', id: 'x', state: { entries: [entry] }, replicaId: 'A', ts: ahead }], ops: [], done: true });
    expect(a.take('error')).toMatchObject({ code: ErrorCode.SERVER_CLOCK_AHEAD, details: { maxAheadMs: 86_400_000 } });
    a.send({ type: 'seed', baselines: [], ops: [{ ...op!, ts: formatTimestamp({ ms: fake.now, counter: 0 }) }], done: true });
    a.take('synced');
    a.send({ type: 'push', ops: [{ ...wireOp({ replicaId: 'A', seq: 2 }), ts: ahead }] });
    expect(a.take('error')).toMatchObject({ code: ErrorCode.SERVER_CLOCK_AHEAD, details: { index: 0, ts: ahead } });
    expect(stored(fake).map((r) => r.seq)).toEqual([1]);
    a.send({ type: 'push', ops: [{ ...wireOp({ replicaId: 'A', seq: 2 }), ts: formatTimestamp({ ms: fake.now + 60_000, counter: 0 }) }] });
    expect(a.take('ack')).toMatchObject({ toSeq: 2 });
  });
});

describe('a replica id is bound to the user who registered it', () => {
  test("a hello as another user's replica is refused with AUTH_REPLICA_FORBIDDEN and 4007, and logged", () => {
    const { fake } = seeded();
    const eve = fake.connect('lib', 'write:lib:eve');
    eve.send({ type: 'hello', protocol: 2, replicaId: 'A', cursor: null, localSeq: 2, atRisk: 0 });
    expect(eve.take('error')).toMatchObject({ code: ErrorCode.AUTH_REPLICA_FORBIDDEN, details: { replicaId: 'A' } });
    expect(eve.closedWith?.code).toBe(CloseCode.REPLICA_FORBIDDEN);
    expect(fake.logs.some((l) => l.level === 'warn' && l.event === 'replica.forbidden' && l.fields.user === 'eve')).toBe(true);
    // Even a push in the same breath changes nothing.
    eve.send({ type: 'push', ops: wireOps('A', 3, 3) });
    expect(stored(fake).map((r) => r.seq)).toEqual([1, 2]);
  });

  test('the same user may come back as the replica (another tab, a new token)', () => {
    const { fake } = seeded();
    const again = fake.connect('lib', 'write:lib:ada');
    expect(again.hello({ replicaId: 'A', cursor: { epoch: 'epoch-1', serverSeq: 2 }, localSeq: 2 }).decision).toBe('resume');
  });

  test("a join may not take over another user's registered replica id", () => {
    const { fake } = seeded();
    const eve = fake.connect('lib', 'write:lib:eve');
    expect(eve.hello({ replicaId: 'E' }).decision).toBe('reset');
    eve.send({ type: 'join', replicaId: 'A' });
    expect(eve.take('error').code).toBe(ErrorCode.SYNC_REPLICA_ID_IN_USE);
  });

  test('a store opened by another user stops syncing with AUTH_REPLICA_FORBIDDEN instead of pushing as the first user', async () => {
    const rig = createRig();
    const ada = await rig.replica('ada');
    await ada.store.collection('todos').put({ id: 'a', title: 'Ada', createdAt: 1 });
    await rig.settle();
    await ada.close();
    // The same database (one browser profile), now with a token for mallory.
    const mallory = await rig.replica('mallory', { db: ada.db, user: 'mallory' });
    await mallory.store.collection('todos').put({ id: 'm', title: 'Mallory', createdAt: 2 });
    await rig.settle();
    expect(mallory.state()).toMatchObject({ phase: 'error', error: { code: 'AUTH_REPLICA_FORBIDDEN' } });
    expect(rig.memory.sql.exec('SELECT id FROM ops ORDER BY server_seq')).toEqual([{ id: 'a' }]);
    expect(await firstValueFrom(mallory.store.collection('todos').get('m'))).toBeDefined();
  });
});

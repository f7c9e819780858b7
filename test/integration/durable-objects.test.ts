/**
 * What only the Durable Object server has to prove, beyond the shared suite:
 * its state outlives the object in memory, each library is its own object,
 * a hibernated object wakes with its sockets' state, time runs on alarms, and
 * a refused token stops at the Worker.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, test } from 'vitest';
import { ErrorCode } from 'trellis';
import { CloseCode } from 'trellis/protocol';
import { openClient } from '../helpers/protocol-client.js';
import type { ProtocolClient } from '../helpers/protocol-client.js';
import { cloudflareServer, servers } from '../helpers/servers.js';
import type { CloudflareServerUnderTest } from '../helpers/servers.js';
import { allTodos, openReplica } from '../helpers/sync-harness.js';
import { wireOps } from '../helpers/wire-ops.js';

/** workerd evicts an object with only hibernatable sockets after 10 s without events. */
const HIBERNATION_MS = 12_000;

/** Takes `horizon` messages until one reaches `serverSeq` (an earlier alarm may have moved it part of the way). */
async function horizonReaches(client: ProtocolClient, serverSeq: number): Promise<number[]> {
  const seen: number[] = [];
  while (seen.at(-1) !== serverSeq) seen.push((await client.next('horizon')).serverSeq);
  return seen;
}

/** A seeded the library with ops 1..n; B joined as B2. Both live. */
async function seededPair(server: CloudflareServerUnderTest, library = 'team', n = 1) {
  const a = await server.connect(library);
  const { epoch } = await a.hello({ replicaId: 'A', localSeq: n, atRisk: n });
  a.send({ type: 'seed', baselines: [], ops: wireOps('A', 1, n), done: true });
  await a.next('synced');
  const b = await server.connect(library);
  await b.hello({ replicaId: 'B' });
  b.send({ type: 'join', replicaId: 'B2' });
  await b.next('synced');
  return { a, b, epoch };
}

describe.runIf(servers.includes(cloudflareServer))('Durable Object server', () => {
  test("a library's object evicted from memory between two sessions (workerd restarted) keeps its state", async () => {
    const server = await cloudflareServer.start();
    const { a, b, epoch } = await seededPair(server, 'team', 3);
    a.send({ type: 'push', ops: wireOps('A', 4, 5) });
    await a.next('ack');
    await b.next('ops');
    b.send({ type: 'cursor', serverSeq: 5 });
    await Promise.all([a.close(), b.close()]);

    await server.restart();
    expect(await server.instances('team')).toBe(0);
    const again = await server.connect('team');
    expect(await again.hello({ replicaId: 'A', cursor: { epoch, serverSeq: 5 }, localSeq: 5 })).toMatchObject({ decision: 'resume', epoch, serverSeq: 5, replicaSeq: 5 });
    const b2 = await server.connect('team');
    expect(await b2.hello({ replicaId: 'B2', cursor: { epoch, serverSeq: 5 }, localSeq: 0 })).toMatchObject({ decision: 'resume', serverSeq: 5 });
    again.send({ type: 'push', ops: wireOps('A', 6, 6) });
    expect(await again.next('ack')).toMatchObject({ fromSeq: 6, firstServerSeq: 6 });
    expect((await b2.next('ops')).ops.map((o) => o.serverSeq)).toEqual([6]);
    expect(await server.query('team', 'SELECT COUNT(*) AS n FROM ops')).toEqual([{ n: 6 }]);
  });

  test('a store keeps syncing across a restart with nothing but the new URL', async () => {
    const server = await cloudflareServer.start();
    const first = await openReplica(server, 'lib');
    await first.store.collection('todos').put({ id: 'a', title: 'Before', createdAt: 1 });
    await first.settle();
    await first.sync.stop();
    await server.restart();
    first.connect();
    await first.settle();
    expect(first.state().joinRequired).toBeUndefined();
    const second = await openReplica(server, 'lib');
    await second.settle();
    expect(await allTodos(second)).toEqual(await allTodos(first));
    await Promise.all([first.close(), second.close()]);
  });

  test('two libraries are two isolated objects', async () => {
    const server = await cloudflareServer.start();
    const team = await seededPair(server, 'team', 2);
    const other = await seededPair(server, 'other', 3);
    expect(await server.instances('team')).toBe(1);
    expect(await server.instances('other')).toBe(1);
    for (const table of ['libraries', 'replicas', 'ops']) {
      expect(await server.query('team', `SELECT DISTINCT library FROM ${table}`)).toEqual([{ library: 'team' }]);
      expect(await server.query('other', `SELECT DISTINCT library FROM ${table}`)).toEqual([{ library: 'other' }]);
    }
    team.a.send({ type: 'push', ops: wireOps('A', 3, 3) });
    expect(await team.b.next('ops')).toMatchObject({ ops: [{ serverSeq: 3 }] });
    other.a.send({ type: 'push', ops: wireOps('A', 4, 4) });
    expect(await other.a.next('ack')).toMatchObject({ firstServerSeq: 4 });
    expect(await other.b.next('ops')).toMatchObject({ ops: [{ serverSeq: 4 }] });
    expect(team.b.received.filter((m) => m.type === 'ops')).toHaveLength(1);

    await server.evict('team');
    expect((await team.a.closed).code).toBe(CloseCode.LIBRARY_EVICTED);
    other.a.send({ type: 'push', ops: wireOps('A', 5, 5) });
    expect(await other.a.next('ack')).toMatchObject({ firstServerSeq: 5 });
    expect(await server.query('other', 'SELECT COUNT(*) AS n FROM ops')).toEqual([{ n: 5 }]);
  });

  test(
    'a hibernated object wakes on a message, restores every socket and delivers; restored claims are still enforced',
    async () => {
      const server = await cloudflareServer.start({ clock: 1_700_000_000_000 });
      const { a, b } = await seededPair(server);
      const reader = await server.connect('team', { role: 'read', expiresIn: 60 });
      await reader.hello({ replicaId: 'R' });
      reader.send({ type: 'join', replicaId: 'R2' });
      await reader.next('synced');
      await server.advanceClock(120_000);

      await sleep(HIBERNATION_MS);
      a.send({ type: 'push', ops: wireOps('A', 2, 3) });
      expect(await a.next('ack')).toEqual({ type: 'ack', replicaId: 'A', fromSeq: 2, toSeq: 3, firstServerSeq: 2 });
      expect((await b.next('ops')).ops.map((o) => o.serverSeq)).toEqual([2, 3]);
      expect(await server.instances('team')).toBe(2);
      // The reader's token expired while the object slept: the fan-out closes it, as it would have before.
      expect((await reader.next('error')).code).toBe(ErrorCode.AUTH_TOKEN_EXPIRED);
      expect((await reader.closed).code).toBe(CloseCode.AUTH_EXPIRED);
      // Frames right after waking are handled in order.
      for (let seq = 4; seq <= 8; seq++) a.send({ type: 'push', ops: wireOps('A', seq, seq) });
      for (let seq = 4; seq <= 8; seq++) expect(await a.next('ack')).toMatchObject({ fromSeq: seq, firstServerSeq: seq });
      b.send({ type: 'push', ops: wireOps('B2', 1, 1) });
      expect(await b.next('ack')).toMatchObject({ replicaId: 'B2', firstServerSeq: 9 });
    },
    HIBERNATION_MS + 20_000,
  );

  test('compaction runs on an alarm, and no alarm is left once nothing waits', async () => {
    const server = await cloudflareServer.start({ compactIntervalMs: 200 });
    const { a, b } = await seededPair(server);
    a.send({ type: 'push', ops: wireOps('A', 2, 4) });
    await a.next('ack');
    await b.next('ops');
    a.send({ type: 'cursor', serverSeq: 4 });
    b.send({ type: 'cursor', serverSeq: 4 });
    expect((await horizonReaches(a, 4)).at(-1)).toBe(4);
    expect((await horizonReaches(b, 4)).at(-1)).toBe(4);
    expect(await server.query('team', 'SELECT COUNT(*) AS n FROM ops')).toEqual([{ n: 0 }]);
    expect(await server.pendingAlarm('team')).toBeNull();
  });

  test('a disconnected replica holding the horizon is marked truant by an alarm at the end of its window', async () => {
    const server = await cloudflareServer.start({ compactIntervalMs: 100, truancyMs: 1_000 });
    const { a, b } = await seededPair(server);
    await b.close();
    a.send({ type: 'push', ops: wireOps('A', 2, 3) });
    await a.next('ack');
    a.send({ type: 'cursor', serverSeq: 3 });
    // The horizon first moves to what B acked (1), then past it once B turns truant.
    expect(await horizonReaches(a, 3)).toEqual([1, 3]);
    expect(await server.query('team', "SELECT status FROM replicas WHERE replica = 'B2'")).toEqual([{ status: 'truant' }]);
    expect(await server.pendingAlarm('team')).toBeNull();
  });

  test("a refused token is answered by the Worker and never reaches the library's object", async () => {
    const server = await cloudflareServer.start();
    const client = await openClient({ url: server.url, library: 'team', token: await server.token('elsewhere') });
    expect((await client.next('error')).code).toBe(ErrorCode.AUTH_WRONG_LIBRARY);
    expect((await client.closed).code).toBe(CloseCode.AUTH_WRONG_LIBRARY);
    expect(await server.instances('team')).toBe(0);
  });

  test('the object checks the token itself when reached without the Worker', async () => {
    const server = await cloudflareServer.start();
    const wrong = await openClient({ url: server.directUrl, library: 'team', token: await server.token('elsewhere') });
    expect((await wrong.next('error')).code).toBe(ErrorCode.AUTH_WRONG_LIBRARY);
    expect((await wrong.closed).code).toBe(CloseCode.AUTH_WRONG_LIBRARY);
    const right = await openClient({ url: server.directUrl, library: 'team', token: await server.token('team') });
    expect((await right.hello({ replicaId: 'A' })).decision).toBe('accept');
  });
});

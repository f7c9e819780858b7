import { dirname } from 'node:path';
import { firstValueFrom } from 'rxjs';
import { describe, expect, it, onTestFinished } from 'vitest';
import { cloneDatabase } from '../helpers/clone-database.js';
import { openClient } from '../helpers/protocol-client.js';
import { allTodos, eventually, openReplica, startTestServer } from '../helpers/sync-harness.js';
import type { TestServer } from '../helpers/sync-harness.js';

/** A server that dials `peers` (their sync URLs), disposed when the test ends. */
async function peered(peers: readonly TestServer[] = []): Promise<TestServer> {
  const server = await startTestServer({ peers: peers.map((p) => ({ url: p.url })), peerPollMs: 50 });
  onTestFinished(() => server.dispose());
  return server;
}

/** Waits for a condition on the servers (polled; 10 s is a safety net, not a timing assertion). */
async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; waited < 10_000; waited += 20) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('The condition never held.');
}

const todo = (id: string, title: string, createdAt = 1) => ({ id, title, createdAt });

/**
 * A replica's store copied while its library lives on a; the original writes 'o' on a, the copy registers
 * with b (not yet peered) and writes 'c' under the same seq, acknowledged by b. On b, `early` synced before
 * 'c' and `bystander` received it. Then b restarts peered with a; resolves once both record the fork.
 */
async function forkScenario(library: string) {
  const a = await peered();
  const first = await openReplica(a, library);
  await first.store.collection('todos').put(todo('a', 'Before the copy'));
  await first.settle();
  await first.close();
  const clone = await cloneDatabase(first.db);
  const original = await openReplica(a, library, { db: first.db });
  await original.store.collection('todos').put(todo('o', 'Written by the original', 2));
  await original.settle();
  let b = await startTestServer({});
  const copy = await openReplica(b, library, { db: clone });
  // The seed first (it holds 'a' only), then the clone's own write as an op.
  await copy.settle();
  const early = await openReplica(b, library);
  await eventually(early.store.collection('todos').get('a'), (doc) => doc !== undefined);
  await early.close();
  await copy.store.collection('todos').put(todo('c', 'Written by the clone', 3));
  await copy.settle();
  const bystander = await openReplica(b, library);
  await eventually(bystander.store.collection('todos').get('c'), (doc) => doc !== undefined);
  await bystander.close();
  await copy.close();
  // Now b peers with a: the same (replicaId, seq) holds two ops.
  await b.close();
  b = await startTestServer({ peers: [{ url: a.url }], peerPollMs: 50 }, dirname(b.dbPath));
  onTestFinished(() => b.dispose());
  await until(() => a.server.forks().length === 1 && b.server.forks().length === 1);
  return { a, b, original, clone, early, bystander };
}

describe('server-to-server replication (Node)', () => {
  it('two servers in a line converge with replicas writing on each', async () => {
    const a = await peered();
    const b = await peered([a]);
    const onA = await openReplica(a, 'lib-line');
    await onA.store.collection('todos').put(todo('from-a', 'Written on A'));
    await onA.settle();
    const onB = await openReplica(b, 'lib-line');
    await eventually(onB.store.collection('todos').get('from-a'), (doc) => doc?.title === 'Written on A');
    await onB.store.collection('todos').put(todo('from-b', 'Written on B', 2));
    await eventually(onA.store.collection('todos').get('from-b'), (doc) => doc?.title === 'Written on B');
    expect(await allTodos(onA)).toEqual(await allTodos(onB));
    expect(a.server.serverId).not.toBe(b.server.serverId);
    await onA.close();
    await onB.close();
  });

  it('three servers in a ring converge, and an op that comes back around is stored once', async () => {
    const a = await peered();
    const b = await peered([a]);
    // c dials both: a ring a-b, b-c, c-a.
    const c = await peered([a, b]);
    // The library starts on a; the replicas of b and c join it (nothing at risk: no consent needed), then all write.
    const first = await openReplica(a, 'lib-ring');
    await first.store.collection('todos').put(todo('start', 'Started on a'));
    await first.settle();
    const replicas = [first, ...(await Promise.all([b, c].map((server) => openReplica(server, 'lib-ring'))))];
    for (const r of replicas) await eventually(r.store.collection('todos').get('start'), (doc) => doc !== undefined);
    await Promise.all(replicas.map((r, i) => r.store.collection('todos').put(todo(`on-${i}`, `Written on server ${i}`, i))));
    for (const r of replicas) {
      for (const id of ['on-0', 'on-1', 'on-2']) await eventually(r.store.collection('todos').get(id), (doc) => doc !== undefined);
    }
    const [expected, ...rest] = await Promise.all(replicas.map((r) => allTodos(r)));
    for (const other of rest) expect(other).toEqual(expected);
    for (const server of [a, b, c]) {
      // Each op once in each server's log: four writes (nothing duplicated by the ring).
      expect(server.server.inspect('lib-ring')?.ops).toBe(4);
    }
    for (const r of replicas) await r.close();
  });

  it('a server token cannot sync as a replica, and a replica token cannot replicate', async () => {
    const a = await peered();
    const serverToken = await a.tokens.issue({ library: 'lib-roles', user: 'trellis:server:x', role: 'server', expiresIn: '1h' });
    const asReplica = await openClient({ url: a.url, library: 'lib-roles', token: serverToken });
    asReplica.send({ type: 'hello', protocol: 5, replicaId: 'r1', cursor: null, localSeq: 0, atRisk: 0 });
    expect((await asReplica.next('error')).code).toBe('AUTH_SERVER_TOKEN');
    expect((await asReplica.closed).code).toBe(4001);

    const replicaToken = await a.token('lib-roles');
    const asServer = await openClient({ url: a.url, library: 'lib-roles', token: replicaToken });
    asServer.sendRaw(JSON.stringify({ type: 'peer-hello', protocol: 5, serverId: 'someone', epoch: null, libraries: [] }));
    expect((await asServer.next('error')).code).toBe('AUTH_REPLICA_TOKEN');
    expect((await asServer.closed).code).toBe(4001);
    // Nothing was stored for either.
    expect(a.server.inspect('lib-roles')).toBeUndefined();
  });

  it('an empty peer behind the other\'s horizon catches up from its baselines', async () => {
    const a = await peered();
    const onA = await openReplica(a, 'lib-horizon');
    for (let i = 0; i < 5; i++) await onA.store.collection('todos').put(todo(`doc-${i}`, `Title ${i}`, i));
    await onA.store.collection('todos').update('doc-0', { title: 'Changed' });
    await onA.settle();
    a.compact('lib-horizon');
    expect(a.server.inspect('lib-horizon')?.ops).toBe(0);
    const b = await peered([a]);
    const onB = await openReplica(b, 'lib-horizon');
    await eventually(onB.store.collection('todos').get('doc-4'), (doc) => doc !== undefined);
    await eventually(onB.store.collection('todos').get('doc-0'), (doc) => doc?.title === 'Changed');
    expect(await allTodos(onB)).toEqual(await allTodos(onA));
    // Writes after the catch-up flow both ways as ops.
    await onB.store.collection('todos').put(todo('after', 'After the catch-up', 9));
    await eventually(onA.store.collection('todos').get('after'), (doc) => doc !== undefined);
    await onA.close();
    await onB.close();
  });

  it('a peer restarted while the other writes resumes without duplicates', async () => {
    const a = await peered();
    let b = await peered([a]);
    const onA = await openReplica(a, 'lib-restart');
    await onA.store.collection('todos').put(todo('one', 'One'));
    await onA.settle();
    await until(() => b.server.inspect('lib-restart')?.ops === 1);
    b = await b.restart();
    onTestFinished(() => b.dispose());
    await onA.store.collection('todos').put(todo('two', 'Two', 2));
    await onA.settle();
    const onB = await openReplica(b, 'lib-restart');
    await eventually(onB.store.collection('todos').get('two'), (doc) => doc !== undefined);
    expect(b.server.inspect('lib-restart')?.ops).toBe(2);
    expect(await allTodos(onB)).toEqual(await allTodos(onA));
    await onA.close();
    await onB.close();
  });

  it('a replica cloned onto two unpeered servers that both wrote is a fork once they peer: both record it and keep the home server\'s version', async () => {
    const { a, b, original } = await forkScenario('lib-fork');
    const [onA] = a.server.forks();
    expect(onA).toMatchObject({ library: 'lib-fork', replicaId: original.store.replicaId, kept: { server: a.server.serverId }, refused: { server: b.server.serverId } });
    expect(b.server.forks()[0]).toMatchObject({ replicaId: onA?.replicaId, seq: onA?.seq, kept: onA?.kept, refused: onA?.refused });
    // Nothing of the refused version stays in b's documents; the kept one arrives.
    await until(() => b.server.library('lib-fork').collection('todos').get('o') !== undefined);
    expect(b.server.library('lib-fork').collection('todos').get('c')).toBeUndefined();
    await original.close();
  });

  for (const where of ['the losing server', 'the home server'] as const) {
    it(`the losing copy of a forked replica, reconnecting to ${where}, archives its acknowledged divergent writes and converges under a new replica id`, async () => {
      const library = where === 'the home server' ? 'lib-fork-home' : 'lib-fork-loser';
      const { a, b, original, clone } = await forkScenario(library);
      const forkedId = original.store.replicaId;
      await until(() => b.server.library(library).collection('todos').get('o') !== undefined);
      // The clone's write was acknowledged by b before the fork was found: it counts nothing at risk.
      const again = await openReplica(where === 'the home server' ? a : b, library, { db: clone, autoJoin: 'always' });
      await again.waitFor((state) => state.phase === 'live' && again.store.replicaId !== forkedId);
      const [archive] = await firstValueFrom(again.store.archives);
      expect(archive?.replicaId).toBe(forkedId);
      expect(archive?.ops.map((op) => ({ id: op.id, seq: op.seq }))).toEqual([{ id: 'c', seq: 2 }]);
      await eventually(again.store.collection('todos').get('o'), (doc) => doc?.title === 'Written by the original');
      expect(await firstValueFrom(again.store.collection('todos').get('c'))).toBeUndefined();
      // The original (its op at the fork seq is the kept one) resumes under its id, archiving nothing.
      await eventually(original.store.collection('todos').get('o'), (doc) => doc !== undefined);
      expect(original.store.replicaId).toBe(forkedId);
      expect(await firstValueFrom(original.store.archives)).toEqual([]);
      expect(await allTodos(again)).toEqual(await allTodos(original));
      await again.close();
      await original.close();
    });
  }

  it('after losing a fork, only the losing server\'s replicas that received the refused ops reset: one whose cursor is before them resumes', async () => {
    const { b, early, bystander, original } = await forkScenario('lib-fork-targeted');
    const earlyId = early.store.replicaId;
    const bystanderId = bystander.store.replicaId;
    const earlyAgain = await openReplica(b, 'lib-fork-targeted', { db: early.db });
    const bystanderAgain = await openReplica(b, 'lib-fork-targeted', { db: bystander.db });
    for (const r of [earlyAgain, bystanderAgain]) {
      await eventually(r.store.collection('todos').get('o'), (doc) => doc !== undefined);
      await eventually(r.store.collection('todos').get('c'), (doc) => doc === undefined);
    }
    // The one that never received 'c' resumed under its id; the one that held it reset to a snapshot without it.
    expect(earlyAgain.store.replicaId).toBe(earlyId);
    await bystanderAgain.waitFor(() => bystanderAgain.store.replicaId !== bystanderId);
    expect(await allTodos(earlyAgain)).toEqual(await allTodos(bystanderAgain));
    for (const r of [earlyAgain, bystanderAgain, original]) await r.close();
  });

  it('moving a library\'s home (start b with --peer a, wait until caught up, point clients at b, stop a) resets no replica and loses or duplicates nothing', async () => {
    const library = 'lib-move';
    const a = await peered();
    const first = await openReplica(a, library);
    await first.store.collection('todos').put(todo('one', 'Before b existed'));
    await first.settle();
    await first.close();
    const second = await openReplica(a, library);
    // A late joiner: it joins (nothing at risk) before it writes.
    await second.waitFor((state) => state.phase === 'live');
    await second.store.collection('todos').put(todo('two', 'Also on a', 2));
    await second.settle();
    // b starts with --peer a and catches up (its log holds what a's does).
    const b = await peered([a]);
    await until(() => b.server.inspect(library)?.ops === a.server.inspect(library)?.ops);
    // The first replica writes while offline, then is pointed at b: it resumes there, and its pending write reaches a through b.
    const moved = await openReplica(a, library, { db: first.db, connect: false });
    const movedId = moved.store.replicaId;
    await moved.store.collection('todos').put(todo('pending', 'Written offline, pushed to b', 3));
    const phases: string[] = [];
    moved.connect({ url: b.url }).state.subscribe((state) => phases.push(state.phase));
    await moved.settle();
    await until(() => a.server.library(library).collection('todos').get('pending') !== undefined);
    // Stored once on a too (one, two, pending).
    expect(a.server.inspect(library)?.ops).toBe(3);
    // A write on a still reaches the replica now on b.
    await second.store.collection('todos').put(todo('three', 'On a after the move began', 4));
    await eventually(moved.store.collection('todos').get('three'), (doc) => doc !== undefined);
    // a stops; the second replica is pointed at b too.
    const secondId = second.store.replicaId;
    await second.close();
    await a.close();
    const again = await openReplica(b, library, { db: second.db });
    again.sync.state.subscribe((state) => phases.push(state.phase));
    await eventually(again.store.collection('todos').get('pending'), (doc) => doc !== undefined);
    await again.settle();
    // No reset: same replica ids, nothing archived, never asked to join; both hold the same four documents.
    expect([moved.store.replicaId, again.store.replicaId]).toEqual([movedId, secondId]);
    expect(await firstValueFrom(moved.store.archives)).toEqual([]);
    expect(await firstValueFrom(again.store.archives)).toEqual([]);
    expect(phases.filter((phase) => phase === 'join-required' || phase === 'resetting')).toEqual([]);
    expect((await allTodos(again)).map((doc) => doc.id)).toEqual(['one', 'pending', 'three', 'two']);
    expect(await allTodos(moved)).toEqual(await allTodos(again));
    // Each write stored once on b.
    expect(b.server.inspect(library)?.ops).toBe(4);
    await moved.close();
    await again.close();
  });

  it('a cursor another server issued resumes only through a checkpoint: an unknown server id or another user\'s replica registers nothing here, and a protocol 4 hello is not told the server id', async () => {
    const library = 'lib-cursor-edges';
    const a = await peered();
    const onA = await openReplica(a, library);
    await onA.store.collection('todos').put(todo('one', 'One'));
    await onA.settle();
    const b = await peered([a]);
    await until(() => b.server.inspect(library)?.ops === 1);
    const epochA = a.server.inspect(library)?.epoch as string;
    const id = onA.store.replicaId;
    const hello = (cursor: { epoch: string; serverSeq: number; serverId?: string }) => ({ type: 'hello' as const, protocol: 5, replicaId: id, cursor, localSeq: 1, atRisk: 0 });
    // A server id b never replicated from: the epoch is not b's, so a reset, and nothing registered.
    const unknown = await openClient({ url: b.url, library, token: await b.token(library) });
    unknown.send(hello({ epoch: epochA, serverSeq: 1, serverId: 'no-such-server' }));
    expect(await unknown.next('decision')).toMatchObject({ decision: 'reset', reason: 'library-reset', serverId: b.server.serverId });
    unknown.close();
    // a's real id but another user's token: translated, yet the replica is not registered for that user.
    const other = await openClient({ url: b.url, library, token: await b.token(library, { user: 'mallory' }) });
    other.send(hello({ epoch: epochA, serverSeq: 1, serverId: a.server.serverId }));
    expect(await other.next('decision')).toMatchObject({ decision: 'reset', reason: 'late-joiner' });
    other.close();
    expect(b.server.inspect(library)?.replicas.map((r) => r.replicaId)).not.toContain(id);
    // The owner with the same cursor resumes, registered here at the translated seq.
    const owner = await openClient({ url: b.url, library, token: await b.token(library) });
    owner.send(hello({ epoch: epochA, serverSeq: 1, serverId: a.server.serverId }));
    expect(await owner.next('decision')).toMatchObject({ decision: 'resume', replicaSeq: 1, epoch: b.server.inspect(library)?.epoch });
    owner.close();
    expect(b.server.inspect(library)?.replicas.map((r) => r.replicaId)).toContain(id);
    // Protocol 4: no serverId (nor fork) in its decision; such a client keeps no server id in its cursor.
    const old = await openClient({ url: a.url, library, token: await a.token(library) });
    old.send({ type: 'hello', protocol: 4, replicaId: id, cursor: { epoch: epochA, serverSeq: 1 }, localSeq: 1, atRisk: 0 });
    const decision = await old.next('decision');
    expect(decision).not.toHaveProperty('serverId');
    expect(decision).not.toHaveProperty('fork');
    old.close();
    await onA.close();
  });
});

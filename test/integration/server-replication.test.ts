import { dirname } from 'node:path';
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
    const a = await peered();
    const first = await openReplica(a, 'lib-fork');
    await first.store.collection('todos').put(todo('a', 'Before the copy'));
    await first.settle();
    await first.close();
    const copy = await cloneDatabase(first.db);
    const original = await openReplica(a, 'lib-fork', { db: first.db });
    await original.store.collection('todos').put(todo('o', 'Written by the original', 2));
    await original.settle();
    // The copy registers with another server that does not know the library yet (and peers with a only later).
    let b = await startTestServer({});
    const clone = await openReplica(b, 'lib-fork', { db: copy });
    // The seed first (it holds 'a' only), then the clone's own write as an op.
    await clone.settle();
    await clone.store.collection('todos').put(todo('c', 'Written by the clone', 3));
    await clone.settle();
    await clone.close();
    // Now b peers with a: the same (replicaId, seq) holds two ops.
    await b.close();
    b = await startTestServer({ peers: [{ url: a.url }], peerPollMs: 50 }, dirname(b.dbPath));
    onTestFinished(() => b.dispose());
    await until(() => a.server.forks().length === 1 && b.server.forks().length === 1);
    const [onA] = a.server.forks();
    expect(onA).toMatchObject({ library: 'lib-fork', replicaId: original.store.replicaId, kept: { server: a.server.serverId }, refused: { server: b.server.serverId } });
    expect(b.server.forks()[0]).toMatchObject({ replicaId: onA?.replicaId, seq: onA?.seq, kept: onA?.kept, refused: onA?.refused });
    // Nothing of the refused version stays in b's documents; the kept one arrives.
    await until(() => b.server.library('lib-fork').collection('todos').get('o') !== undefined);
    expect(b.server.library('lib-fork').collection('todos').get('c')).toBeUndefined();
    await original.close();
  });
});

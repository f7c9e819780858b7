/**
 * Server-to-server replication with the far side on each server implementation: an on-premises
 * Node server dials the far server's sync URL (as it would the Cloudflare deployment) and both
 * replicate a library. The far side is the Node server or the Durable Object (one object per
 * library, so the dialing side names its libraries: a Durable Object has no directory of them).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, onTestFinished } from 'vitest';
import { openClient } from '../helpers/protocol-client.js';
import { TEST_SECRET, cloudflareServer, servers } from '../helpers/servers.js';
import type { ServerUnderTest } from '../helpers/servers.js';
import { allTodos, eventually, openReplica, startTestServer } from '../helpers/sync-harness.js';
import type { TestServer } from '../helpers/sync-harness.js';

/** workerd evicts an object with only hibernatable sockets after 10 s without events. */
const HIBERNATION_MS = 12_000;

const todo = (id: string, title: string, createdAt = 1) => ({ id, title, createdAt });

/** A Node server sharing the far server's secret (so each mints its own `server` token) that dials it for `libraries`. */
async function dialing(far: ServerUnderTest, libraries: readonly string[]): Promise<TestServer> {
  const near = await startTestServer({ secret: TEST_SECRET, peers: [{ url: far.url, libraries }], peerPollMs: 50 });
  onTestFinished(() => near.dispose());
  return near;
}

/** Waits for an async condition (polled; 10 s is a safety net, not a timing assertion). */
async function until(condition: () => Promise<boolean> | boolean): Promise<void> {
  for (let waited = 0; waited < 10_000; waited += 25) {
    if (await condition()) return;
    await sleep(25);
  }
  throw new Error('The condition never held.');
}

const farOps = async (far: ServerUnderTest, library: string) => (await far.query<{ n: number }>(library, 'SELECT COUNT(*) AS n FROM ops WHERE library = ?', library))[0]?.n ?? 0;

describe.each(servers)('a Node server replicating with $name', (factory) => {
  it('converges both ways with replicas writing on each side, each op stored once per server', async () => {
    const far = await factory.start();
    const onFar = await openReplica(far, 'lib-far');
    await onFar.store.collection('todos').put(todo('from-far', 'Written on the far side'));
    await onFar.settle();
    const near = await dialing(far, ['lib-far']);
    const onNear = await openReplica(near, 'lib-far');
    await eventually(onNear.store.collection('todos').get('from-far'), (doc) => doc?.title === 'Written on the far side');
    await onNear.store.collection('todos').put(todo('from-near', 'Written on premises', 2));
    await eventually(onFar.store.collection('todos').get('from-near'), (doc) => doc?.title === 'Written on premises');
    expect(await allTodos(onNear)).toEqual(await allTodos(onFar));
    expect(near.server.inspect('lib-far')?.ops).toBe(2);
    await until(async () => (await farOps(far, 'lib-far')) === 2);
    await onFar.close();
    await onNear.close();
  });

  it('a library that exists only on the dialing server is created on the far side', async () => {
    const far = await factory.start();
    const near = await dialing(far, ['lib-new']);
    const onNear = await openReplica(near, 'lib-new');
    for (let i = 0; i < 3; i++) await onNear.store.collection('todos').put(todo(`n-${i}`, `Near ${i}`, i));
    await onNear.settle();
    await until(async () => (await farOps(far, 'lib-new')) === 3);
    const onFar = await openReplica(far, 'lib-new');
    await eventually(onFar.store.collection('todos').get('n-2'), (doc) => doc !== undefined);
    expect(await allTodos(onFar)).toEqual(await allTodos(onNear));
    await onFar.close();
    await onNear.close();
  });

  it("an empty dialing server catches up from baselines behind the far side's horizon", async () => {
    const far = await factory.start();
    const onFar = await openReplica(far, 'lib-horizon');
    for (let i = 0; i < 5; i++) await onFar.store.collection('todos').put(todo(`doc-${i}`, `Title ${i}`, i));
    await onFar.store.collection('todos').update('doc-0', { title: 'Changed' });
    await onFar.settle();
    await far.compact('lib-horizon');
    expect(await farOps(far, 'lib-horizon')).toBe(0);
    const near = await dialing(far, ['lib-horizon']);
    const onNear = await openReplica(near, 'lib-horizon');
    await eventually(onNear.store.collection('todos').get('doc-0'), (doc) => doc?.title === 'Changed');
    await eventually(onNear.store.collection('todos').get('doc-4'), (doc) => doc !== undefined);
    expect(await allTodos(onNear)).toEqual(await allTodos(onFar));
    await onNear.store.collection('todos').put(todo('after', 'After the catch-up', 9));
    await eventually(onFar.store.collection('todos').get('after'), (doc) => doc !== undefined);
    await onFar.close();
    await onNear.close();
  });

  it('on the far side a server token cannot sync as a replica, and a replica token cannot replicate', async () => {
    const far = await factory.start();
    const asReplica = await openClient({ url: far.url, library: 'lib-roles', token: await far.token('lib-roles', { role: 'server', user: 'trellis:server:x' }) });
    asReplica.send({ type: 'hello', protocol: 5, replicaId: 'r1', cursor: null, localSeq: 0, atRisk: 0 });
    expect((await asReplica.next('error')).code).toBe('AUTH_SERVER_TOKEN');
    expect((await asReplica.closed).code).toBe(4001);
    const asServer = await openClient({ url: far.url, library: 'lib-roles', token: await far.token('lib-roles') });
    asServer.sendRaw(JSON.stringify({ type: 'peer-hello', protocol: 5, serverId: 'someone', epoch: null, libraries: [] }));
    expect((await asServer.next('error')).code).toBe('AUTH_REPLICA_TOKEN');
    expect((await asServer.closed).code).toBe(4001);
    expect(await farOps(far, 'lib-roles')).toBe(0);
  });
});

describe.runIf(servers.includes(cloudflareServer))('a Node server replicating with the Durable Object', () => {
  it(
    'the peer link survives the object hibernating: ops flow both ways after it wakes, with no new exchange',
    async () => {
      const far = await cloudflareServer.start();
      const near = await dialing(far, ['lib-sleep']);
      const onNear = await openReplica(near, 'lib-sleep');
      await onNear.store.collection('todos').put(todo('before', 'Before sleeping'));
      await onNear.settle();
      const onFar = await openReplica(far, 'lib-sleep');
      await eventually(onFar.store.collection('todos').get('before'), (doc) => doc !== undefined);
      const exchanges = (await far.logs()).filter((entry) => entry.event === 'replication.exchange').length;
      expect(exchanges).toBeGreaterThan(0);
      expect(await far.instances('lib-sleep')).toBe(1);

      await sleep(HIBERNATION_MS);
      // The near side writes first: its peer-ops frame wakes the object, which must restore the link as live.
      await onNear.store.collection('todos').put(todo('woke-near', 'Written while the object slept', 2));
      await eventually(onFar.store.collection('todos').get('woke-near'), (doc) => doc !== undefined);
      expect(await far.instances('lib-sleep')).toBe(2);
      await onFar.store.collection('todos').put(todo('woke-far', 'Written after waking', 3));
      await eventually(onNear.store.collection('todos').get('woke-far'), (doc) => doc !== undefined);
      expect(await allTodos(onNear)).toEqual(await allTodos(onFar));
      // Restored, not redialed: the link did not run the exchange again.
      expect((await far.logs()).filter((entry) => entry.event === 'replication.exchange').length).toBe(exchanges);
      expect(near.server.inspect('lib-sleep')?.ops).toBe(3);
      await onFar.close();
      await onNear.close();
    },
    HIBERNATION_MS + 30_000,
  );
});

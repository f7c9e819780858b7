import { describe, expect, it, onTestFinished } from 'vitest';
import { allTodos, eventually, openReplica, startTestServer } from '../helpers/sync-harness.js';
import type { TestServer } from '../helpers/sync-harness.js';

/** A server that dials `peers` (their sync URLs), disposed when the test ends. */
async function peered(peers: readonly TestServer[] = []): Promise<TestServer> {
  const server = await startTestServer({ peers: peers.map((p) => ({ url: p.url })), peerPollMs: 50 });
  onTestFinished(() => server.dispose());
  return server;
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
});

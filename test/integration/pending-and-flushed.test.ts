import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { SyncState } from 'trellis/sync';
import { sharedTabs } from 'trellis/tabs';
import { testDatabase } from '../helpers/open-test-store.js';
import { openReplica, startTestServer, type TestReplica } from '../helpers/sync-harness.js';
import { createTab, createWebLocks } from '../helpers/web-locks.js';

/** The ops the server stored for document `id` (its SQLite file, read-only: WAL readers see committed rows). */
function serverOps(dbPath: string, id: string): number {
  const db = new Database(dbPath, { readonly: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM ops WHERE id = ?').get(id) as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('pending and flushed()', () => {
  it('a write counts as pending as soon as its put() resolves, and flushed() resolves only once the server holds it', async () => {
    const server = await startTestServer();
    const replica = await openReplica(server, 'lib-pending');
    await replica.settle();
    let current: SyncState | undefined;
    replica.sync.state.subscribe((state) => (current = state));

    await replica.store.collection('todos').put({ id: 'p1', title: 'Counted at once', createdAt: 1 });
    // Read synchronously after the put resolved: no tick for a live query to catch up.
    expect(current?.pending).toBeGreaterThanOrEqual(1);

    await replica.sync.flushed();
    expect(serverOps(server.dbPath, 'p1')).toBe(1);
    // Several writes, then one flushed() for all of them.
    await Promise.all(['p2', 'p3', 'p4'].map((id, i) => replica.store.collection('todos').put({ id, title: id, createdAt: 2 + i })));
    await replica.sync.flushed();
    for (const id of ['p2', 'p3', 'p4']) expect(serverOps(server.dbPath, id)).toBe(1);
    await replica.close();
    await server.dispose();
  });

  it('flushed() waits across a reconnect: writes made offline are acknowledged only after sync comes back', async () => {
    const server = await startTestServer();
    const replica = await openReplica(server, 'lib-offline-flush', { connect: false });
    await replica.store.collection('todos').put({ id: 'o1', title: 'Offline', createdAt: 1 });
    replica.connect();
    await replica.sync.flushed();
    expect(serverOps(server.dbPath, 'o1')).toBe(1);
    await replica.close();
    await server.dispose();
  });

  it('flushed() rejects with SYNC_STOPPED when sync stops first', async () => {
    const server = await startTestServer();
    const replica = await openReplica(server, 'lib-stop-flush', { connect: false });
    await replica.store.collection('todos').put({ id: 's1', title: 'Never sent', createdAt: 1 });
    replica.connect();
    await replica.sync.stop();
    await expect(replica.sync.flushed()).rejects.toMatchObject({ code: 'SYNC_STOPPED' });
    await replica.close();
    await server.dispose();
  });

  it('a follower tab counts its write as pending at once, and its flushed() resolves once the leader tab pushed the follower\'s write and the server acknowledged it', async () => {
    const server = await startTestServer();
    const locks = createWebLocks();
    const db = testDatabase();
    const tabs: TestReplica[] = [];
    for (let i = 0; i < 2; i++) {
      const { locks: tabLocks, BroadcastChannel } = createTab(locks);
      tabs.push(await openReplica(server, 'lib-tabs-flush', { db, plugins: [sharedTabs({ locks: tabLocks, BroadcastChannel, heartbeatMs: 50 })] }));
    }
    const [leader, follower] = tabs as [TestReplica, TestReplica];
    await leader.waitFor((s) => s.phase === 'live');
    await follower.waitFor((s) => s.phase === 'live');
    let shown: SyncState | undefined;
    follower.sync.state.subscribe((state) => (shown = state));
    await follower.store.collection('todos').put({ id: 't1', title: 'From the follower', createdAt: 1 });
    // The follower's own state counts it at once too, before the leader has even seen it.
    expect(shown?.pending).toBeGreaterThanOrEqual(1);
    await follower.sync.flushed();
    expect(serverOps(server.dbPath, 't1')).toBe(1);
    await follower.close();
    await leader.close();
    await server.dispose();
  });
});

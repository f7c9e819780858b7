/**
 * Counters through a real server: concurrent increments on two replicas both
 * count, on every replica, after compaction and for a late joiner.
 * (The todo schema's one number field, createdAt, stands in for a counter.)
 */
import { describe, expect, it } from 'vitest';
import { eventually, openReplica } from '../helpers/sync-harness.js';
import { servers } from '../helpers/servers.js';

describe.each(servers)('increment ($name)', (factory) => {
  it('concurrent increments on two replicas both count, and a late joiner after compaction sees the sum', async () => {
    const server = await factory.start();
    const a = await openReplica(server, 'lib');
    const b = await openReplica(server, 'lib');
    await a.store.collection('todos').put({ id: 'c', title: 'Counter', createdAt: 10 });
    await eventually(b.store.collection('todos').get('c'), (doc) => doc?.createdAt === 10);
    await b.settle();

    // Both offline: each sees only its own increments, as a later set would have made one of them win before.
    await a.sync.stop();
    await b.sync.stop();
    for (let i = 0; i < 3; i++) await a.store.collection('todos').increment('c', 'createdAt', 1);
    for (let i = 0; i < 5; i++) await b.store.collection('todos').increment('c', 'createdAt', 2);
    await b.store.collection('todos').increment('c', 'createdAt', -1);
    a.connect();
    b.connect();
    await Promise.all([a.settle(), b.settle()]);
    const sum = 10 + 3 + 10 - 1;
    await eventually(a.store.collection('todos').get('c'), (doc) => doc?.createdAt === sum);
    await eventually(b.store.collection('todos').get('c'), (doc) => doc?.createdAt === sum);

    // Live increments from both sides meet too.
    await Promise.all([a.store.collection('todos').increment('c', 'createdAt', 100), b.store.collection('todos').increment('c', 'createdAt', 1000)]);
    await Promise.all([a.settle(), b.settle()]);
    for (const r of [a, b]) await eventually(r.store.collection('todos').get('c'), (doc) => doc?.createdAt === sum + 1100);

    // The server squashes the increments into a baseline; a late joiner's snapshot holds the same total.
    const compacted = await server.compact('lib');
    expect(compacted[0]?.squashed).toBeGreaterThan(0);
    const late = await openReplica(server, 'lib');
    await eventually(late.store.collection('todos').get('c'), (doc) => doc?.createdAt === sum + 1100);
    await late.store.collection('todos').increment('c', 'createdAt', 1);
    for (const r of [a, b, late]) await eventually(r.store.collection('todos').get('c'), (doc) => doc?.createdAt === sum + 1101);
    await Promise.all([a.close(), b.close(), late.close()]);
  });
});

import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Op } from 'trellis';
import { isTrellisError } from 'trellis';
import { getStoreHost } from '../../../src/store/index.js';
import { formatTimestamp } from '../../../src/core/index.js';
import { testDatabase } from '../../helpers/open-test-store.js';
import { rawOps } from '../../helpers/raw-tables.js';
import { record } from '../../helpers/observe.js';

const DAY = 86_400_000;
const remote = (seq: number, change: Op['change'], ms = 1_000 + seq, id = 'r1'): Op => ({
  replicaId: 'remoteReplica',
  seq,
  ts: formatTimestamp({ ms, counter: 0 }),
  collection: 'todos',
  id,
  change,
});

describe('remote ops', () => {
  it('applies remote ops idempotently: a duplicate (replicaId, seq) is a no-op', async () => {
    const db = testDatabase();
    const store = await db.open();
    const host = getStoreHost(store);
    const put = remote(1, { kind: 'put', value: { id: 'r1', title: 'Remote', createdAt: 1, done: false, tags: [] } });
    expect(await host.applyRemote([{ serverSeq: 1, op: put }])).toEqual({ applied: 1 });
    expect(await host.applyRemote([{ serverSeq: 1, op: put }, { serverSeq: 1, op: put }])).toEqual({ applied: 0 });
    expect(await rawOps(db)).toHaveLength(1);
    expect(await firstValueFrom(store.collection('todos').get('r1'))).toMatchObject({ title: 'Remote' });
  });

  it('rejects the same (replicaId, seq) with other content as FORK_DETECTED and applies nothing of the batch', async () => {
    const store = await testDatabase().open();
    const host = getStoreHost(store);
    const put = remote(1, { kind: 'put', value: { id: 'r1', title: 'Remote', createdAt: 1, done: false, tags: [] } });
    await host.applyRemote([{ serverSeq: 1, op: put }]);
    const forked = { ...put, change: { kind: 'put' as const, value: { id: 'r1', title: 'Other', createdAt: 1, done: false, tags: [] } } };
    const fresh = remote(2, { kind: 'set', path: ['title'], value: 'later' });
    const err = await host.applyRemote([{ serverSeq: 2, op: fresh }, { serverSeq: 3, op: forked }]).catch((e: unknown) => e);
    expect(isTrellisError(err, 'FORK_DETECTED')).toBe(true);
    expect(await firstValueFrom(store.collection('todos').get('r1'))).toMatchObject({ title: 'Remote' });
  });

  it('accepts ops from a clock days ahead and stamps later local writes after them', async () => {
    let now = 10 * DAY;
    const db = testDatabase();
    const store = await db.open({ now: () => now });
    const host = getStoreHost(store);
    const ahead = remote(1, { kind: 'put', value: { id: 'r1', title: 'Future', createdAt: 1, done: false, tags: [] } }, 13 * DAY);
    await host.applyRemote([{ serverSeq: 1, op: ahead }]);
    now -= 1000; // and the local wall clock even steps back
    await store.collection('todos').update('r1', { title: 'Local edit' });
    expect(await firstValueFrom(store.collection('todos').get('r1'))).toMatchObject({ title: 'Local edit' });
    const local = (await rawOps(db)).find((op) => op.replicaId === store.replicaId);
    expect(local.ts > ahead.ts).toBe(true);
  });

  it('converges whatever order remote ops arrive in', async () => {
    const ops = [
      remote(1, { kind: 'put', value: { id: 'r1', title: 'A', createdAt: 1, done: false, tags: ['x'] } }),
      remote(2, { kind: 'set', path: ['title'], value: 'B' }),
      remote(3, { kind: 'list-insert', path: ['tags'], item: 'i1', pos: 'V', value: 'y' }),
      remote(4, { kind: 'set', path: ['done'], value: true }),
    ];
    const results = [];
    for (const order of [ops, [...ops].reverse(), [ops[2], ops[0], ops[3], ops[1]]]) {
      const store = await testDatabase().open();
      for (const op of order) await getStoreHost(store).applyRemote([{ serverSeq: op!.seq, op: op! }]);
      results.push(await firstValueFrom(store.collection('todos').get('r1')));
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
    expect(results[0]).toEqual({ id: 'r1', title: 'B', createdAt: 1, done: true, tags: ['x', 'y'] });
  });
});

describe('reset to a snapshot', () => {
  it('archives unacknowledged local changes, then holds exactly the snapshot under a new replica ID', async () => {
    const db = testDatabase();
    const store = await db.open();
    const host = getStoreHost(store);
    const todos = store.collection('todos');
    await todos.put({ id: 'mine', title: 'Offline work', createdAt: 1 });
    await todos.update('mine', { done: true });
    expect(await host.countAtRisk()).toBe(2);
    const oldId = store.replicaId;

    const snapshotOp = remote(1, { kind: 'put', value: { id: 'r1', title: 'Library', createdAt: 1, done: false, tags: [] } });
    const { archive } = await host.resetToSnapshot({ baselines: [], ops: [{ serverSeq: 1, op: snapshotOp }] }, { replicaId: 'freshReplica', reason: 'late-joiner' });
    expect(store.replicaId).toBe('freshReplica');
    expect(await firstValueFrom(todos.find())).toEqual([{ id: 'r1', title: 'Library', createdAt: 1, done: false, tags: [] }]);
    expect(archive?.ops).toHaveLength(2);
    const archives = await firstValueFrom(store.archives);
    expect(archives).toHaveLength(1);
    expect(archives[0]).toMatchObject({ reason: 'late-joiner', replicaId: oldId });
    expect(await host.countAtRisk()).toBe(0);

    const exported = JSON.parse(await store.exportArchive(archives[0]!.id));
    expect(exported.format).toBe('trellis-archive');
    expect(exported.archive.ops.map((op: Op) => op.change.kind)).toEqual(['put', 'set']);

    await store.reapplyArchive(archives[0]!.id);
    expect(await firstValueFrom(todos.get('mine'))).toMatchObject({ title: 'Offline work', done: true });
    const ops = await rawOps(db);
    expect(ops.filter((op) => op.replicaId === 'freshReplica').map((op) => op.seq)).toEqual([1]);
  });

  it('archives locally compacted history of a store that never synced', async () => {
    const store = await testDatabase().open();
    const host = getStoreHost(store);
    await store.collection('todos').put({ id: 'a', title: 'A', createdAt: 1 });
    await store.compact();
    await store.collection('todos').update('a', { title: 'A2' });
    expect(await host.countAtRisk()).toBe(2);
    const { archive } = await host.resetToSnapshot({ baselines: [], ops: [] }, { replicaId: 'next', reason: 'late-joiner' });
    expect(archive?.ops.map((op) => op.change.kind)).toEqual(['put', 'set']);
  });
});

describe('remote ops shown from heads held in memory', () => {
  const later = (seq: number, change: Op['change']) => remote(seq, change, Date.now() + DAY);

  it('shows a remote change to a document this store wrote before anything is read, and stores the same', async () => {
    const store = await testDatabase().open();
    const todos = store.collection('todos');
    await todos.put({ id: 'r1', title: 'Local', createdAt: 1 });
    const seen = record(todos.get('r1'));
    await seen.until((values) => values.at(-1)?.title === 'Local');
    const applying = getStoreHost(store).applyRemote([{ serverSeq: 1, op: later(1, { kind: 'set', path: ['title'], value: 'Remote' }) }]);
    // Synchronously, within the call: the head this store left is merged in memory.
    expect(seen.values.at(-1)).toMatchObject({ title: 'Remote' });
    await applying;
    expect(await firstValueFrom(todos.get('r1'))).toMatchObject({ title: 'Remote' });
    seen.stop();
  });

  it('a document another store instance changed is merged from the stored head', async () => {
    const db = testDatabase();
    const mine = await db.open();
    const other = await db.open();
    await mine.collection('todos').put({ id: 'r1', title: 'Local', createdAt: 1 });
    const seen = record(mine.collection('todos').get('r1'));
    await seen.until((values) => values.at(-1)?.title === 'Local');
    await other.collection('todos').update('r1', { done: true });
    // Before the other instance's write is announced: the head held in memory is stale.
    await getStoreHost(mine).applyRemote([{ serverSeq: 1, op: later(1, { kind: 'set', path: ['title'], value: 'Remote' }) }]);
    expect(seen.values.at(-1)).toMatchObject({ title: 'Remote', done: true });
    expect(await firstValueFrom(other.collection('todos').get('r1'))).toMatchObject({ title: 'Remote', done: true });
    seen.stop();
  });
});

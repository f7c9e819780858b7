import { describe, expect, it } from 'vitest';
import { getStoreHost } from '../../../src/store/index.js';
import { testDatabase } from '../../helpers/open-test-store.js';
import { rawOps, rawRows } from '../../helpers/raw-tables.js';

/** Ops of the replica, in seq order: the seqs must be 1..n with ts rising with them. */
async function ownLog(db: ReturnType<typeof testDatabase>, replicaId: string) {
  const ops = (await rawOps(db)).filter((op) => op.replicaId === replicaId).sort((a, b) => a.seq - b.seq);
  return { seqs: ops.map((op) => op.seq as number), ts: ops.map((op) => op.ts as string), ids: ops.map((op) => op.id as string) };
}

describe('replica counters (local writes keep them in the op log)', () => {
  it('gives two instances of one replica (two tabs) gap-free, unique seqs with rising ts when they write in turn', async () => {
    const db = testDatabase();
    const a = await db.open();
    const b = await db.open();
    const written: string[] = [];
    for (let i = 0; i < 12; i++) {
      // In turn, so each instance's remembered counters are stale at every write but its first.
      const store = i % 3 === 0 ? b : a;
      const id = `d${i}`;
      await store.collection('todos').put({ id, title: `t${i}`, createdAt: i });
      written.push(id);
    }
    const log = await ownLog(db, a.replicaId);
    expect(log.seqs).toEqual(written.map((_, i) => i + 1));
    expect(log.ids).toEqual(written);
    expect([...log.ts].sort()).toEqual(log.ts);
    expect(new Set(log.ts).size).toBe(log.ts.length);
    expect(await getStoreHost(b).localSeq()).toBe(12);
    await a.close();
    await b.close();
  });

  it('keeps concurrent writes of two instances apart: every write lands once, under its own seq', async () => {
    const db = testDatabase();
    const a = await db.open();
    const b = await db.open();
    await Promise.all([
      ...Array.from({ length: 8 }, (_, i) => a.collection('todos').put({ id: `a${i}`, title: 'a', createdAt: i })),
      ...Array.from({ length: 8 }, (_, i) => b.collection('todos').put({ id: `b${i}`, title: 'b', createdAt: i })),
    ]);
    const log = await ownLog(db, a.replicaId);
    expect(log.seqs).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    expect(new Set(log.ids).size).toBe(16);
    await a.close();
    await b.close();
  });

  it('does not reuse seqs another instance wrote and compacted away', async () => {
    const db = testDatabase();
    const a = await db.open();
    const b = await db.open();
    await a.collection('todos').put({ id: 'a1', title: 'a', createdAt: 1 });
    for (let i = 0; i < 3; i++) await b.collection('todos').put({ id: `b${i}`, title: 'b', createdAt: i });
    // Never synced: compaction drops every op, so only the meta row can say seq 4 was used.
    await b.compact();
    expect(await rawOps(db)).toEqual([]);
    await a.collection('todos').put({ id: 'a2', title: 'a', createdAt: 2 });
    const log = await ownLog(db, a.replicaId);
    expect(log.seqs).toEqual([5]);
    expect(await getStoreHost(a).localSeq()).toBe(5);
    await a.close();
    await b.close();
  });

  it('starts a reopened store after the last seq in the log, though local writes never stored the counter', async () => {
    const db = testDatabase();
    const first = await db.open();
    for (let i = 0; i < 3; i++) await first.collection('todos').put({ id: `x${i}`, title: 'x', createdAt: i });
    const replicaId = first.replicaId;
    await first.close();
    const meta = (await rawRows(db, 'meta')).find((row) => row.key === 'local');
    expect(meta.value.seq).toBe(0);

    const second = await db.open();
    expect(await getStoreHost(second).localSeq()).toBe(3);
    await second.collection('todos').update('x0', { title: 'y' });
    expect((await ownLog(db, replicaId)).seqs).toEqual([1, 2, 3, 4]);
    await second.close();
  });

  it('writes inside store.transaction (which cannot be retried) read exact counters', async () => {
    const db = testDatabase();
    const a = await db.open();
    const b = await db.open();
    await a.collection('todos').put({ id: 'a1', title: 'a', createdAt: 1 });
    await b.collection('todos').put({ id: 'b1', title: 'b', createdAt: 1 });
    await a.transaction(async () => {
      await a.collection('todos').put({ id: 'a2', title: 'a', createdAt: 2 });
      await a.collection('todos').put({ id: 'a3', title: 'a', createdAt: 3 });
    });
    expect((await ownLog(db, a.replicaId)).ids).toEqual(['a1', 'b1', 'a2', 'a3']);
    await a.close();
    await b.close();
  });
});

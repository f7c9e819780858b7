import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { isTrellisError } from 'trellis';
import { getStoreHost } from '../../../src/store/index.js';
import { testDatabase } from '../../helpers/open-test-store.js';
import { rawOps, rawRows } from '../../helpers/raw-tables.js';

/** A store with `count` documents written in one transaction: one run of ops in the log. */
async function storeWithRun(count: number) {
  const db = testDatabase();
  const store = await db.open();
  const todos = store.collection('todos');
  await store.transaction(() => todos.bulkPut(Array.from({ length: count }, (_, i) => ({ id: `t${i}`, title: `T${i}`, createdAt: i }))));
  return { db, store, host: getStoreHost(store) };
}

describe('op log runs (one row for the ops of one transaction)', () => {
  it('stores a transaction of many writes as runs of at most 256 ops, and reads them back as ops in seq order', async () => {
    const { db, store, host } = await storeWithRun(600);
    const rows = await rawRows(db, 'ops');
    expect(rows.map((row) => [row.seq, row.ops?.length])).toEqual([
      [1, 256],
      [257, 256],
      [513, 88],
    ]);
    const ops = await host.readUnacknowledged(1000);
    expect(ops.map((op) => op.seq)).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
    expect(ops.map((op) => op.id)).toEqual(Array.from({ length: 600 }, (_, i) => `t${i}`));
    expect((await host.readUnacknowledged(10)).map((op) => op.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(await firstValueFrom(host.pending)).toBe(600);
    expect(await host.localSeq()).toBe(600);
    // A lone write after the run follows it.
    await store.collection('todos').update('t0', { title: 'again' });
    expect((await rawOps(db)).map((op) => op.seq).at(-1)).toBe(601);
    await store.close();
  });

  it('acknowledges part of a run without making it compactable, then all of it', async () => {
    const { db, store, host } = await storeWithRun(300);
    // The server stored seqs 1..100 (a push of 100), with server seqs 11..110.
    await host.acknowledge({ fromSeq: 1, toSeq: 100, firstServerSeq: 11 });
    expect((await host.readUnacknowledged(1000)).map((op) => op.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 101));
    expect(await firstValueFrom(host.pending)).toBe(200);
    await host.compact({ horizon: 1000 });
    // The first run (1..256) is only partly acknowledged: it stays, whole.
    expect((await rawOps(db)).length).toBe(300);

    await host.acknowledge({ fromSeq: 101, toSeq: 300, firstServerSeq: 111 });
    const rows = await rawRows(db, 'ops');
    expect(rows.map((row) => [row.seq, row.serverSeq])).toEqual([
      [1, 266],
      [257, 310],
    ]);
    expect(await firstValueFrom(host.pending)).toBe(0);
    await host.compact({ horizon: 266 });
    expect((await rawRows(db, 'ops')).map((row) => row.seq)).toEqual([257]);
    expect(await host.localSeq()).toBe(300);
    await store.compact({ horizon: 310 });
    expect(await rawRows(db, 'ops')).toEqual([]);
    // Counters survive the log's end being compacted away.
    await store.collection('todos').update('t1', { title: 'later' });
    expect((await rawOps(db)).map((op) => op.seq)).toEqual([301]);
    await store.close();
  });

  it('recognises ops of a run the server sends back, and refuses one with other content', async () => {
    const { db, store, host } = await storeWithRun(5);
    const ops = await host.readUnacknowledged(10);
    // The same ops, from the server (as at a resume): nothing new, and the run takes its last op's server seq.
    expect(await host.applyRemote(ops.map((op, i) => ({ serverSeq: 20 + i, op })))).toEqual({ applied: 0 });
    expect((await rawRows(db, 'ops')).map((row) => row.serverSeq)).toEqual([24]);
    const third = ops[2] as (typeof ops)[number];
    const forked = { ...third, change: { kind: 'put' as const, value: { id: third.id, title: 'Other', createdAt: 1, done: false, tags: [] } } };
    const err = await host.applyRemote([{ serverSeq: 30, op: forked }]).catch((e: unknown) => e);
    expect(isTrellisError(err, 'FORK_DETECTED')).toBe(true);
    await store.close();
  });

  it('archives every op of a run a reset would forfeit', async () => {
    const { store, host } = await storeWithRun(40);
    await host.acknowledge({ fromSeq: 1, toSeq: 10, firstServerSeq: 1 });
    expect(await host.countAtRisk()).toBe(30);
    const { archive } = await host.resetToSnapshot({ baselines: [], ops: [] }, { replicaId: 'after-reset', reason: 'late-joiner' });
    expect(archive?.ops.map((op) => op.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 11));
    expect(await firstValueFrom(host.pending)).toBe(0);
    await store.close();
  });
});

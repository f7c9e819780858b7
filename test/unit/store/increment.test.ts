/**
 * collection.increment: a counter that merges by adding. Local behaviour here
 * (arguments, totals, undo, the same-frame preview, remote increments);
 * the merge laws are in test/property/increment.test.ts.
 */
import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { defineSchema, type Op } from 'trellis';
import { formatTimestamp } from '../../../src/core/index.js';
import { getStoreHost } from '../../../src/store/index.js';
import { expectCode } from '../../helpers/expect-code.js';
import { undo } from 'trellis/undo';
import { testDatabase } from '../../helpers/open-test-store.js';
import { record } from '../../helpers/observe.js';
import { rawOps } from '../../helpers/raw-tables.js';

const counterSchema = defineSchema({
  version: 1,
  collections: {
    posts: {
      primaryKey: 'id',
      fields: {
        id: { type: 'string' },
        title: { type: 'string' },
        likes: { type: 'number', default: 0 },
        views: { type: 'number', optional: true },
        stats: { type: 'object', optional: true, fields: { shares: { type: 'number', optional: true } } },
        votes: { type: 'map', values: { type: 'number' }, default: {} },
      },
    },
  },
});

async function seeded(now: () => number = Date.now) {
  const db = testDatabase();
  const store = await db.open({ schema: counterSchema, now, plugins: [undo()] });
  const posts = store.collection('posts');
  await posts.put({ id: 'p', title: 'Post' });
  const read = async () => firstValueFrom(posts.get('p'));
  return { db, store, posts, read };
}

const remoteInc = (seq: number, by: number, ms: number): Op => ({
  replicaId: 'remoteReplica',
  seq,
  ts: formatTimestamp({ ms, counter: 0 }),
  collection: 'posts',
  id: 'p',
  change: { kind: 'inc', path: ['likes'], by },
});

describe('collection.increment', () => {
  it('adds to top-level, nested and map number fields, counting an absent value as 0', async () => {
    const { posts, read } = await seeded();
    await posts.increment('p', 'likes', 2);
    await posts.increment('p', 'likes', -5);
    await posts.increment('p', 'views', 1);
    await posts.increment('p', ['stats', 'shares'], 3);
    await posts.increment('p', ['votes', 'alice'], 1);
    await posts.increment('p', ['votes', 'alice'], 1);
    expect(await read()).toMatchObject({ likes: -3, views: 1, stats: { shares: 3 }, votes: { alice: 2 } });
  });

  it('counts a remote increment stamped before the local one as well as the local one', async () => {
    let clock = 1_000;
    const { store, posts, read } = await seeded(() => clock);
    clock = 3_000;
    await posts.increment('p', 'likes', 1);
    // Stamped before the local increment (a replica that was offline), after the put that set the base: it adds.
    await getStoreHost(store).applyRemote([{ serverSeq: 1, op: remoteInc(1, 10, 2_000) }]);
    expect((await read())?.likes).toBe(11);
    // One stamped before the put is older than the base the put set: it does not count, on any replica.
    await getStoreHost(store).applyRemote([{ serverSeq: 2, op: remoteInc(2, 50, 500) }]);
    expect((await read())?.likes).toBe(11);
  });

  it('a later update of the field is a new base: older increments no longer count, newer ones add', async () => {
    const { posts, read } = await seeded();
    await posts.increment('p', 'likes', 4);
    await posts.update('p', { likes: 100 });
    await posts.increment('p', 'likes', 1);
    expect((await read())?.likes).toBe(101);
  });

  it('undo of an increment is a decrement, so a remote increment made meanwhile still counts', async () => {
    const { store, posts, read } = await seeded();
    await posts.increment('p', 'likes', 5);
    await getStoreHost(store).applyRemote([{ serverSeq: 1, op: remoteInc(1, 10, Date.now() + 60_000) }]);
    expect((await read())?.likes).toBe(15);
    expect(await store.undo()).toBe(true);
    expect((await read())?.likes).toBe(10);
    expect(await store.redo()).toBe(true);
    expect((await read())?.likes).toBe(15);
  });

  it('shows the new total in a live get before increment() returns', async () => {
    const { posts } = await seeded();
    const doc = record(posts.get('p'));
    await doc.until((v) => v.length > 0);
    const done = posts.increment('p', 'likes', 3);
    expect(doc.values.at(-1)?.likes).toBe(3);
    await done;
    doc.stop();
  });

  it('refuses bad amounts, paths and totals with typed errors, and writes nothing', async () => {
    const { db, posts, read } = await seeded();
    await posts.increment('p', 'likes', Number.MAX_SAFE_INTEGER - 1);
    const before = await read();
    const opsBefore = (await rawOps(db)).length;
    const shown = record(posts.get('p'));
    await shown.until((v) => v.length > 0);
    for (const by of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1.5, 2 ** 53, '1', undefined]) {
      await expectCode(posts.increment('p', 'likes', by as number), 'INVALID_ARGUMENT');
    }
    // The edge: MAX_SAFE_INTEGER itself is allowed; one past it is refused and never shown.
    await expectCode(posts.increment('p', 'likes', 2), 'INVALID_ARGUMENT');
    await expectCode(posts.increment('p', 'title' as never, 1), 'SCHEMA_VIOLATION');
    await expectCode(posts.increment('p', 'nope' as never, 1), 'SCHEMA_VIOLATION');
    await expectCode(posts.increment('p', ['stats'] as never, 1), 'SCHEMA_VIOLATION');
    await expectCode(posts.increment('p', [] as never, 1), 'INVALID_ARGUMENT');
    await expectCode(posts.increment('p', ['votes', ''] as never, 1), 'INVALID_ARGUMENT');
    await expectCode(posts.increment('missing', 'likes', 1), 'NOT_FOUND');
    await expectCode(posts.increment('', 'likes', 1), 'INVALID_ARGUMENT');
    expect(shown.values.every((doc) => doc?.likes === Number.MAX_SAFE_INTEGER - 1)).toBe(true);
    shown.stop();
    expect(await read()).toEqual(before);
    expect(await rawOps(db)).toHaveLength(opsBefore);
    await posts.increment('p', 'likes', 1);
    expect((await read())?.likes).toBe(Number.MAX_SAFE_INTEGER);
    await posts.increment('p', 'likes', -Number.MAX_SAFE_INTEGER);
    await posts.increment('p', 'likes', -Number.MAX_SAFE_INTEGER);
    expect((await read())?.likes).toBe(-Number.MAX_SAFE_INTEGER);
  });
});

/**
 * Store bugs the convergence simulation found, each pinned by the smallest
 * scenario that shows it (the report names the schedule that found it).
 */
import { firstValueFrom } from 'rxjs';
import { describe, expect, test } from 'vitest';
import { defineSchema, isTrellisError } from 'trellis';
import { MAX_OP_BYTES } from 'trellis/protocol';
import { getStoreHost } from '../../src/store/index.js';
import { testDatabase } from '../helpers/open-test-store.js';
import { createRig } from './helpers.js';

describe('the store records only what can sync', () => {
  test('deleting a missing document records nothing a seed would carry, and the seed is accepted', async () => {
    const rig = createRig();
    const db = testDatabase();
    const first = await db.open();
    await first.collection('todos').delete('never-existed');
    await first.collection('todos').put({ id: 'kept', title: 'Kept', createdAt: 1 });
    expect((await getStoreHost(first).exportHistory()).baselines.map((b) => b.id)).toEqual(['kept']);
    await first.close();
    const a = await rig.replica('a', { db });
    await rig.settle();
    expect(a.state()).toMatchObject({ phase: 'live', pending: 0 });
    const b = await rig.replica('b');
    await rig.settle();
    expect(await firstValueFrom(b.store.collection('todos').get('kept'))).toMatchObject({ title: 'Kept' });
  });

  const schema = defineSchema({
    version: 1,
    collections: {
      items: {
        primaryKey: 'id',
        fields: { id: { type: 'string' }, labels: { type: 'map', values: { type: 'string' }, default: {} }, data: { type: 'json', optional: true } },
      },
    },
  });
  const deep = (n: number): unknown => (n === 0 ? 1 : [deep(n - 1)]);

  test.each([
    ['a map key __proto__', { labels: JSON.parse('{"__proto__":"x"}') }],
    ['a map key constructor', { labels: { constructor: 'x' } }],
    ['a map key prototype', { labels: { prototype: 'x' } }],
    ['a map key longer than 256 characters', { labels: { ['k'.repeat(257)]: 'x' } }],
    ['a JSON value nested 40 deep', { data: deep(40) }],
    ['an op over MAX_OP_BYTES', { data: 'x'.repeat(MAX_OP_BYTES) }],
  ])('%s is refused with SCHEMA_VIOLATION and nothing is written', async (_name, patch) => {
    const store = await testDatabase().open({ schema });
    const items = store.collection('items');
    await items.put({ id: 'i' });
    const before = await getStoreHost(store).localSeq();
    const refusal = await items.update('i', patch as never).catch((err: unknown) => err);
    expect(isTrellisError(refusal, 'SCHEMA_VIOLATION'), String(refusal)).toBe(true);
    expect(await getStoreHost(store).localSeq()).toBe(before);
    expect(await firstValueFrom(items.get('i'))).toEqual({ id: 'i', labels: {} });
    await store.close();
  });

  test('a document id longer than the wire allows is refused', async () => {
    const store = await testDatabase().open();
    const refusal = await store.collection('todos').put({ id: 'x'.repeat(300), title: 't', createdAt: 1 }).catch((err: unknown) => err);
    expect(isTrellisError(refusal, 'SCHEMA_VIOLATION')).toBe(true);
    await store.close();
  });
});

describe('store.transaction is all or nothing', () => {
  test('a transaction whose function awaits a live query writes nothing, and the store keeps working', async () => {
    const store = await testDatabase().open();
    const todos = store.collection('todos');
    const outcome = await store
      .transaction(async () => {
        await todos.put({ id: 'a', title: 'A', createdAt: 1 });
        await firstValueFrom(todos.get('a'));
        await todos.put({ id: 'b', title: 'B', createdAt: 1 });
      })
      .catch((err: unknown) => err);
    expect(isTrellisError(outcome, 'STORAGE_FAILED')).toBe(true);
    expect(String((outcome as Error).message)).toMatch(/nothing was written/);
    expect(await firstValueFrom(todos.find())).toEqual([]);
    expect(await getStoreHost(store).localSeq()).toBe(0);
    // Before the fix the op of `a` was committed without the seq counter: every later write failed.
    await todos.put({ id: 'c', title: 'C', createdAt: 1 });
    expect((await getStoreHost(store).readUnacknowledged(10)).map((op) => [op.seq, op.id])).toEqual([[1, 'c']]);
    await store.close();
  });

  test('a transaction that throws after awaiting a timer writes nothing', async () => {
    const store = await testDatabase().open();
    const todos = store.collection('todos');
    const outcome = await store
      .transaction(async () => {
        await todos.put({ id: 'a', title: 'A', createdAt: 1 });
        await new Promise((resolve) => setTimeout(resolve, 5));
        throw new Error('user abort');
      })
      .catch((err: unknown) => err);
    expect(outcome).toBeInstanceOf(Error);
    expect(await firstValueFrom(todos.find())).toEqual([]);
    await todos.put({ id: 'b', title: 'B', createdAt: 1 });
    expect(await getStoreHost(store).localSeq()).toBe(1);
    await store.close();
  });
});

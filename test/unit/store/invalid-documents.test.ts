/**
 * The receiving store checks remote documents against its own schema: a
 * document its schema forbids is hidden from get/find/live queries and listed
 * on store.invalidDocuments, while its ops stay in the op log.
 */
import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Op } from 'trellis';
import { defineSchema, isTrellisError } from 'trellis';
import { formatTimestamp } from '../../../src/core/index.js';
import { getStoreHost } from '../../../src/store/index.js';
import { testDatabase } from '../../helpers/open-test-store.js';
import { rawOps } from '../../helpers/raw-tables.js';
import { record } from '../../helpers/observe.js';

let clock = 1_000;
const remote = (seq: number, change: Op['change'], id = 'r1', replicaId = 'remoteReplica'): Op => ({
  replicaId,
  seq,
  ts: formatTimestamp({ ms: ++clock, counter: 0 }),
  collection: 'todos',
  id,
  change,
});
const todo = (id: string, title: unknown) => ({ id, title, createdAt: 1, done: false, tags: [] }) as never;

async function open() {
  const db = testDatabase();
  const store = await db.open();
  const host = getStoreHost(store);
  const todos = store.collection('todos');
  const apply = (...ops: Op[]) => host.applyRemote(ops.map((op, i) => ({ serverSeq: op.seq * 10 + i, op })));
  const invalid = () => firstValueFrom(store.invalidDocuments);
  return { db, store, host, todos, apply, invalid };
}

describe('remote documents this schema forbids', () => {
  it('a remote op that makes a document invalid hides it from get, find and index queries and lists it; a later valid op shows it again', async () => {
    const { db, todos, apply, invalid } = await open();
    const shown = record(todos.find());
    await apply(remote(1, { kind: 'put', value: todo('r1', 'Valid') }));
    expect(await firstValueFrom(todos.get('r1'))).toMatchObject({ title: 'Valid' });

    await apply(remote(2, { kind: 'set', path: ['title'], value: 42 }));
    expect(await firstValueFrom(todos.get('r1'))).toBeUndefined();
    expect(await firstValueFrom(todos.find())).toEqual([]);
    expect(await firstValueFrom(todos.find({ where: { done: false } }))).toEqual([]);
    expect(await invalid()).toEqual([{ collection: 'todos', id: 'r1', path: ['title'], message: 'field "title" must be a string, got number' }]);
    // Nothing lost: both ops stay in the log.
    expect((await rawOps(db)).map((op) => op.seq)).toEqual([1, 2]);

    await apply(remote(3, { kind: 'set', path: ['title'], value: 'Fixed remotely' }));
    expect(await firstValueFrom(todos.get('r1'))).toMatchObject({ title: 'Fixed remotely', createdAt: 1 });
    expect(await invalid()).toEqual([]);
    await shown.until((values) => values.at(-1)?.[0]?.title === 'Fixed remotely');
    // The live query never handed out the invalid value.
    expect(shown.values.flat().some((doc) => typeof doc.title !== 'string')).toBe(false);
    shown.stop();
  });

  it('a document invalid from its creation is never shown, and its later ops merge on the hidden head', async () => {
    const { todos, apply, invalid } = await open();
    const shown = record(todos.find());
    await apply(remote(1, { kind: 'put', value: { id: 'r1', title: 'No createdAt' } as never }));
    expect(await firstValueFrom(todos.get('r1'))).toBeUndefined();
    expect(await invalid()).toMatchObject([{ id: 'r1', path: ['createdAt'], message: 'field "createdAt" is required' }]);
    // A set on the hidden document completes it: the merge kept the put's fields.
    await apply(remote(2, { kind: 'set', path: ['createdAt'], value: 7 }));
    expect(await firstValueFrom(todos.get('r1'))).toEqual({ id: 'r1', title: 'No createdAt', createdAt: 7, done: false, tags: [] });
    expect(await invalid()).toEqual([]);
    expect(shown.values.flat().every((doc) => typeof doc.createdAt === 'number')).toBe(true);
    shown.stop();
  });

  it('a remote delete of an invalid document takes it off the list; a local delete or a local fix does too', async () => {
    const { todos, apply, invalid } = await open();
    await apply(remote(1, { kind: 'put', value: todo('a', 1) }, 'a'), remote(2, { kind: 'put', value: todo('b', 2) }, 'b'), remote(3, { kind: 'put', value: todo('c', 3) }, 'c'));
    expect((await invalid()).map((d) => d.id).sort()).toEqual(['a', 'b', 'c']);

    await apply(remote(4, { kind: 'delete' }, 'a'));
    expect((await invalid()).map((d) => d.id).sort()).toEqual(['b', 'c']);
    expect(await firstValueFrom(todos.get('a'))).toBeUndefined();

    // Local writes see the hidden document (its head): an update that keeps it invalid is refused, one that fixes it shows it.
    const refused = await todos.update('b', { done: true }).catch((err: unknown) => err);
    expect(isTrellisError(refused, 'SCHEMA_VIOLATION')).toBe(true);
    await todos.update('b', { title: 'Fixed here' });
    expect(await firstValueFrom(todos.get('b'))).toMatchObject({ title: 'Fixed here' });
    await todos.delete('c');
    expect(await invalid()).toEqual([]);
    expect(await firstValueFrom(todos.get('c'))).toBeUndefined();
  });

  it('fields a newer schema added are left out of what is shown, not a reason to hide the document; the head keeps them', async () => {
    const { host, todos, apply, invalid } = await open();
    await apply(remote(1, { kind: 'put', value: { ...(todo('r1', 'Newer') as object), priority: 3, meta: { color: 'red', shade: 'dark' } } as never }));
    expect(await firstValueFrom(todos.get('r1'))).toEqual({ id: 'r1', title: 'Newer', createdAt: 1, done: false, tags: [], meta: { color: 'red' } });
    expect(await invalid()).toEqual([]);
    const [head] = (await host.exportHistory()).baselines;
    expect(JSON.stringify(head?.state)).toContain('"priority":3');
  });

  it('a snapshot (reset) with an invalid document hides and lists it, and replaces the listing from before', async () => {
    const { host, todos, apply, invalid } = await open();
    await apply(remote(1, { kind: 'put', value: todo('before', 5) }, 'before'));
    expect((await invalid()).map((d) => d.id)).toEqual(['before']);
    const ops = [remote(1, { kind: 'put', value: todo('good', 'Good') }, 'good', 'other'), remote(2, { kind: 'put', value: todo('bad', false) }, 'bad', 'other')];
    await host.resetToSnapshot({ baselines: [], ops: ops.map((op, i) => ({ serverSeq: i + 1, op })) }, { replicaId: 'fresh', reason: 'late-joiner' });
    expect(await firstValueFrom(todos.get('good'))).toMatchObject({ title: 'Good' });
    expect(await firstValueFrom(todos.get('bad'))).toBeUndefined();
    expect(await invalid()).toMatchObject([{ collection: 'todos', id: 'bad', path: ['title'] }]);
    // A snapshot's later valid op shows it.
    await apply(remote(3, { kind: 'set', path: ['title'], value: 'Good now' }, 'bad', 'other'));
    expect(await firstValueFrom(todos.get('bad'))).toMatchObject({ title: 'Good now' });
    expect(await invalid()).toEqual([]);
  });

  it('a document hidden under one schema is shown after an upgrade whose schema accepts it, and one the new schema forbids is hidden', async () => {
    const v1 = defineSchema({ version: 1, collections: { items: { primaryKey: 'id', fields: { id: { type: 'string' }, rank: { type: 'string', optional: true } } } } });
    const v2 = defineSchema({ version: 2, collections: { items: { primaryKey: 'id', fields: { id: { type: 'string' }, rank: { type: 'number', optional: true } } } } });
    const db = testDatabase();
    const store = await db.open({ schema: v1 });
    const put = (seq: number, id: string, rank: unknown): Op => ({ replicaId: 'newer', seq, ts: formatTimestamp({ ms: 5000 + seq, counter: 0 }), collection: 'items', id, change: { kind: 'put', value: { id, rank } as never } });
    await getStoreHost(store).applyRemote([{ serverSeq: 1, op: put(1, 'numeric', 1) }, { serverSeq: 2, op: put(2, 'text', 'first') }]);
    expect((await firstValueFrom(store.invalidDocuments)).map((d) => d.id)).toEqual(['numeric']);
    expect((await firstValueFrom(store.collection('items').find())).map((d) => d.id)).toEqual(['text']);
    await store.close();

    const upgraded = await db.open({ schema: v2 });
    expect(await firstValueFrom(upgraded.collection('items').find())).toEqual([{ id: 'numeric', rank: 1 }]);
    expect(await firstValueFrom(upgraded.invalidDocuments)).toEqual([{ collection: 'items', id: 'text', path: ['rank'], message: 'field "rank" must be a finite number, got string' }]);
    await upgraded.close();
  });

  it('the listing and the hiding survive reopening the store', async () => {
    const { db, store, apply } = await open();
    await apply(remote(1, { kind: 'put', value: todo('r1', null) }));
    await store.close();
    const again = await db.open();
    expect(await firstValueFrom(again.collection('todos').get('r1'))).toBeUndefined();
    expect((await firstValueFrom(again.invalidDocuments)).map((d) => d.id)).toEqual(['r1']);
    await again.close();
  });
});

/**
 * undo.forget through the store's roll-back (roll-back.ts calls it): after the
 * server rejects an own op, neither an undo nor a redo may write the rejected
 * value back, while other documents keep their history; and the rolled-back
 * op's seq is never given out again.
 */
import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Op } from 'trellis';
import { applyOps, emptyDocState } from '../../../src/merge/index.js';
import { getStoreHost } from '../../../src/store/index.js';
import { undo } from 'trellis/undo';
import { openTestStore } from '../../helpers/open-test-store.js';

async function setup() {
  const store = await openTestStore({ plugins: [undo()] });
  const host = getStoreHost(store);
  const todos = store.collection('todos');
  const title = async () => (await firstValueFrom(todos.get('a')))?.title;
  const own = async (seq: number) => (await host.readOwnOp(seq)) as Op;
  return { store, host, todos, title, own };
}

describe('undo after a rejection', () => {
  it('an undo does not write the rejected value back: the document loses its undo history, others keep theirs', async () => {
    const { store, host, todos, title, own } = await setup();
    await todos.put({ id: 'b', title: 'B', createdAt: 0 }); // seq 1
    await todos.put({ id: 'a', title: 'A', createdAt: 1 }); // seq 2
    await todos.update('a', { title: 'rejected' }); // seq 3
    await todos.update('a', { title: 'Y' }); // seq 4, computed from the rejected value
    await host.acknowledge({ fromSeq: 1, toSeq: 2, firstServerSeq: 1 });
    const serverState = applyOps(emptyDocState, [await own(2)]);
    expect(await host.rollBack({ seq: 3, collection: 'todos', id: 'a', state: serverState })).toBe(true);
    expect(await title()).toBe('Y');
    // Without forget, this undo would set the title to "rejected" (the value seq 4 replaced).
    expect(await store.undo()).toBe(true);
    expect(await firstValueFrom(todos.get('b'))).toBeUndefined();
    expect(await title()).toBe('Y');
    expect(await store.undo()).toBe(false);
    expect(await firstValueFrom(store.undoState)).toEqual({ canUndo: false, canRedo: true });
    // The redo left is b's.
    expect(await store.redo()).toBe(true);
    expect(await firstValueFrom(todos.get('b'))).toMatchObject({ title: 'B' });
    expect(await title()).toBe('Y');
  });

  it('a redo does not repeat the rejected op', async () => {
    const { store, host, todos, title, own } = await setup();
    await todos.put({ id: 'a', title: 'A', createdAt: 1 }); // seq 1
    await todos.update('a', { title: 'rejected' }); // seq 2
    expect(await store.undo()).toBe(true); // seq 3: title A again
    await host.acknowledge({ fromSeq: 1, toSeq: 1, firstServerSeq: 1 });
    expect(await host.rollBack({ seq: 2, collection: 'todos', id: 'a', state: applyOps(emptyDocState, [await own(1)]) })).toBe(true);
    expect(await title()).toBe('A');
    expect(await firstValueFrom(store.undoState)).toEqual({ canUndo: false, canRedo: false });
    expect(await store.redo()).toBe(false);
    expect(await title()).toBe('A');
  });

  it("a rolled-back op that was the log's last keeps its seq used: the next write takes the one after", async () => {
    const { host, todos, own } = await setup();
    await todos.put({ id: 'a', title: 'A', createdAt: 1 }); // seq 1
    await todos.update('a', { title: 'rejected' }); // seq 2
    await host.acknowledge({ fromSeq: 1, toSeq: 1, firstServerSeq: 1 });
    expect(await host.rollBack({ seq: 2, collection: 'todos', id: 'a', state: applyOps(emptyDocState, [await own(1)]) })).toBe(true);
    expect(await host.readOwnOp(2)).toBeUndefined();
    // A second reject of the same seq (resent after a reconnect) finds nothing to roll back.
    expect(await host.rollBack({ seq: 2, collection: 'todos', id: 'a' })).toBe(false);
    await todos.update('a', { title: 'next' });
    expect((await own(3)).change).toEqual({ kind: 'set', path: ['title'], value: 'next' });
    expect(await host.acknowledgedSeq()).toBe(2);
    expect(await host.readUnacknowledged(10)).toHaveLength(1);
  });
});

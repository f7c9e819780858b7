import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { undo } from 'trellis/undo';
import { openTestStore } from '../../helpers/open-test-store.js';

describe('undo and redo', () => {
  it('restore the exact states of each step, including transactions, deletes and lists', async () => {
    const store = await openTestStore({ plugins: [undo()] });
    const todos = store.collection('todos');
    const snapshot = () => firstValueFrom(todos.find({ orderBy: 'id' }));
    const states = [await snapshot()];
    const steps = [
      () => todos.put({ id: 'a', title: 'A', createdAt: 1, tags: ['x', 'y'] }),
      () => todos.update('a', { title: 'A2', meta: { color: 'red' } }),
      () => todos.listInsert('a', 'tags', 1, 'mid'),
      () => todos.listMove('a', 'tags', 0, 2),
      () => todos.listRemove('a', 'tags', 0),
      () =>
        store.transaction(async () => {
          await todos.put({ id: 'b', title: 'B', createdAt: 2 });
          await todos.update('a', { done: true, meta: undefined });
        }),
      () => todos.delete('a'),
    ];
    for (const step of steps) {
      await step();
      states.push(await snapshot());
    }
    for (let i = states.length - 2; i >= 0; i--) {
      expect(await store.undo()).toBe(true);
      expect(await snapshot()).toEqual(states[i]);
    }
    expect(await store.undo()).toBe(false);
    for (let i = 1; i < states.length; i++) {
      expect(await store.redo()).toBe(true);
      expect(await snapshot()).toEqual(states[i]);
    }
    expect(await store.redo()).toBe(false);
  });

  it('drops the redo history after a new write and reports what is possible', async () => {
    const store = await openTestStore({ plugins: [undo()] });
    const todos = store.collection('todos');
    await todos.put({ id: 'a', title: 'A', createdAt: 1 });
    await store.undo();
    expect(await firstValueFrom(store.undoState)).toEqual({ canUndo: false, canRedo: true });
    await todos.put({ id: 'b', title: 'B', createdAt: 1 });
    expect(await firstValueFrom(store.undoState)).toEqual({ canUndo: true, canRedo: false });
    expect(await store.redo()).toBe(false);
  });
});

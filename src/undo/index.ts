/**
 * 'trellis/undo': the createStore plugin that adds `store.undo()`,
 * `store.redo()` and `store.undoState` (a session history of this store
 * instance's own writes, undone by new ops that sync like any write). Without
 * it a store computes no inverse changes and ships no undo code. Imports the
 * store through store/index.ts only; nothing below imports it.
 *
 *   import { undo } from 'trellis/undo';
 *   const store = await createStore({ name: 'app', schema, plugins: [undo()] });
 *   store.undoState.subscribe(({ canUndo }) => (undoButton.disabled = !canUndo));
 *   await store.undo();
 */
export { undo } from '../store/index.js';
export type { UndoApi, UndoState } from '../store/index.js';

/**
 * Undo and redo, installed by the undo() plugin ('trellis/undo'): the store
 * ships none of it (nor the inverse changes each write would compute for it)
 * unless the app imports it.
 *
 *   import { undo } from 'trellis/undo';
 *   const store = await createStore({ name: 'app', schema, plugins: [undo()] });
 *   await store.undo();
 */
import { BehaviorSubject, type Observable } from 'rxjs';
import type { StoreContext, UndoStep } from './context.js';
import { inverseOf } from './inverse.js';
import type { StorePlugin } from './plugin.js';
import { withWriteScope, writeChangesIn } from './write.js';

export interface UndoState {
  readonly canUndo: boolean;
  readonly canRedo: boolean;
}

/** What undo() adds to the store. */
export interface UndoApi {
  /** Undoes this store instance's last write (or transaction); false when there is nothing to undo. */
  undo(): Promise<boolean>;
  redo(): Promise<boolean>;
  readonly undoState: Observable<UndoState>;
}

/** The undo plugin for createStore: `store.undo()`, `store.redo()` and `store.undoState`, over the last 100 writes. */
export function undo(): StorePlugin<UndoApi> {
  return {
    name: 'undo',
    extendStore: (ctx: StoreContext): UndoApi => {
      const manager = createUndoManager(ctx);
      ctx.undo = { inverse: inverseOf, record: manager.record, forget: manager.forget, clear: manager.clear };
      return { undo: manager.undo, redo: manager.redo, undoState: manager.state };
    },
  };
}

interface UndoManager {
  record(group: readonly UndoStep[]): void;
  undo(): Promise<boolean>;
  redo(): Promise<boolean>;
  clear(): void;
  /** Drops every undo and redo step that touches this document (an own op on it was rolled back, roll-back.ts). */
  forget(collection: string, id: string): void;
  readonly state: Observable<UndoState>;
}

/**
 * Undo and redo of this store instance's own writes (a session history, like
 * an editor's). Undoing records new ops that restore the earlier values, so it
 * syncs like any write and never rewrites another replica's history.
 */
function createUndoManager(ctx: StoreContext, limit = 100): UndoManager {
  const undoStack: (readonly UndoStep[])[] = [];
  const redoStack: (readonly UndoStep[])[] = [];
  const state = new BehaviorSubject<UndoState>({ canUndo: false, canRedo: false });
  const publish = () => state.next({ canUndo: undoStack.length > 0, canRedo: redoStack.length > 0 });

  const replay = async (from: (readonly UndoStep[])[], to: (readonly UndoStep[])[]): Promise<boolean> => {
    const group = from[from.length - 1];
    if (!group) return false;
    const inverses = await withWriteScope(ctx, { undoable: false }, async (scope) => {
      const before = scope.undo.length;
      await writeChangesIn(ctx, scope, group.map((step) => ({ collection: step.collection, id: step.id, build: () => [step.change] })));
      return scope.undo.slice(before).reverse();
    });
    from.pop();
    to.push(inverses);
    publish();
    return true;
  };

  return {
    record(group) {
      undoStack.push(group);
      if (undoStack.length > limit) undoStack.shift();
      redoStack.length = 0;
      publish();
    },
    undo: () => replay(undoStack, redoStack),
    redo: () => replay(redoStack, undoStack),
    forget(collection, id) {
      // Each step was computed from a document that held the rejected op: replaying it could write its value
      // back (an undo restoring what the op set, a redo repeating it). Dropped whole, so a group stays atomic.
      const touches = (group: readonly UndoStep[]) => group.some((step) => step.collection === collection && step.id === id);
      for (const stack of [undoStack, redoStack]) {
        const kept = stack.filter((group) => !touches(group));
        stack.splice(0, stack.length, ...kept);
      }
      publish();
    },
    clear() {
      undoStack.length = 0;
      redoStack.length = 0;
      publish();
    },
    state: state.asObservable(),
  };
}

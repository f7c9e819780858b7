import { BehaviorSubject, type Observable } from 'rxjs';
import type { StoreContext, UndoStep } from './context.js';
import { withWriteScope, writeChangesIn } from './write.js';

export interface UndoState {
  readonly canUndo: boolean;
  readonly canRedo: boolean;
}

export interface UndoManager {
  record(group: readonly UndoStep[]): void;
  undo(): Promise<boolean>;
  redo(): Promise<boolean>;
  clear(): void;
  readonly state: Observable<UndoState>;
}

/**
 * Undo and redo of this store instance's own writes (a session history, like
 * an editor's). Undoing records new ops that restore the earlier values, so it
 * syncs like any write and never rewrites another replica's history.
 */
export function createUndoManager(ctx: StoreContext, limit = 100): UndoManager {
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
    clear() {
      undoStack.length = 0;
      redoStack.length = 0;
      publish();
    },
    state: state.asObservable(),
  };
}

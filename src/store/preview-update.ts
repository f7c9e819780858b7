/**
 * The optimistic result of an update, shown inside the update() call: a
 * React checkbox bound to a live query re-renders with the write in the same
 * frame, instead of flipping back until the write path has read the
 * document's head (a tick or more later).
 *
 * The document is taken from what a live query of this store instance
 * already shows, and the update's `set`/`unset` changes (or an increment's
 * `inc`) are applied to it:
 * a local op carries a timestamp later than any this replica has seen, so on
 * the paths it writes it wins, and the merge leaves the rest as shown. The
 * write path's own announcement and Dexie's re-run still follow and have the
 * last word; a write that fails is withdrawn by the caller.
 */
import { Dexie } from 'dexie';
import type { Change, JsonObject } from '../core/index.js';
import type { CollectionDef } from '../schema/index.js';
import { assertDocument } from '../schema/index.js';
import type { StoreContext } from './context.js';

/**
 * Shows `changes` to `id` at once in the live queries that hold the document.
 * Returns whether anything was shown (the caller withdraws it if the write fails).
 * Not inside store.transaction: a transaction that fails after this update
 * resolved would leave it shown.
 */
export function previewUpdate(o: { ctx: StoreContext; collection: string; def: CollectionDef; id: string; changes: readonly Change[] }): boolean {
  if (Dexie.currentTransaction) return false;
  return Dexie.ignoreTransaction(() =>
    o.ctx.announcer.preview(o.collection, o.id, (doc) => {
      const next = applyChanges(doc, o.changes);
      if (next === undefined) return undefined;
      try {
        assertDocument(o.def.fields, next, { collection: o.collection });
      } catch {
        return undefined; // the write refuses it too; nothing is shown
      }
      return next;
    }),
  );
}

/** `doc` (a copy, changed in place) with `changes` applied, or undefined when that needs the merge (lists, missing parents). */
function applyChanges(doc: JsonObject, changes: readonly Change[]): JsonObject | undefined {
  for (const change of changes) {
    if (change.kind !== 'set' && change.kind !== 'unset' && change.kind !== 'inc') return undefined;
    let parent: JsonObject = doc;
    for (const key of change.path.slice(0, -1)) {
      // Own fields only: a `__proto__` or `constructor` segment must never reach a prototype (the write refuses it).
      if (!Object.hasOwn(parent, key)) return undefined;
      const child = parent[key];
      if (child === null || typeof child !== 'object' || Array.isArray(child)) return undefined;
      parent = child;
    }
    const last = change.path.at(-1) as string;
    if (last === '__proto__') return undefined;
    if (change.kind === 'set') parent[last] = structuredClone(change.value);
    else if (change.kind === 'unset') delete parent[last];
    else {
      // As the merge adds: a value that is not a number counts as 0 (an inc stamped now is newer than any shown write).
      const current = Object.hasOwn(parent, last) ? parent[last] : undefined;
      const total = (typeof current === 'number' ? current : 0) + change.by;
      if (Math.abs(total) > Number.MAX_SAFE_INTEGER) return undefined; // the write refuses it too
      parent[last] = total;
    }
  }
  return doc;
}

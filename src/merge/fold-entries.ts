/**
 * The reference semantics: a sequential fold of entries in (stamp, seq) order.
 * Pruning (prune-entries.ts) only drops entries that cannot change this fold.
 *
 * Counters: `inc` adds `by` to the number at its path (a value there that is
 * not a number counts as 0). Increments commute with each other, so
 * concurrent increments on two replicas both count, in any arrival order. A
 * set, unset or put of the path (or of a prefix) is a new base: increments
 * stamped after it add to it, increments stamped before it (older, or
 * concurrent but ordered before by (ts, replicaId)) are overwritten. The rule
 * depends only on stamps, so the same ops give the same number everywhere.
 */
import { unexpectedCase } from '../core/index.js';
import type { Change, StateEntry } from '../core/index.js';
import { ListNode, coerceParent, nodeAt, toTree } from './doc-tree.js';
import type { DocTree, ObjectNode } from './doc-tree.js';

/** Fold sorted `entries` onto an absent, empty document. Linear in the entries' size. */
export function foldEntries(entries: readonly StateEntry[]): DocTree {
  const doc: DocTree = { exists: false, root: new Map() };
  for (const entry of entries) applyEntry(doc, entry);
  return doc;
}

/** True for a path change with an empty path: malformed, so a no-op (it does not even recreate the document). */
export function isNoop(change: Change): boolean {
  return change.kind !== 'put' && change.kind !== 'delete' && change.path.length === 0;
}

function applyEntry(doc: DocTree, entry: StateEntry): void {
  const change = entry.change;
  if (isNoop(change)) return;
  switch (change.kind) {
    case 'put': {
      const root = toTree(change.value, entry.stamp);
      doc.root = root instanceof Map ? root : new Map();
      doc.exists = true;
      return;
    }
    case 'delete':
      // The content stays: a newer non-put write brings it back with that write applied.
      doc.exists = false;
      return;
    case 'set':
      coerceParent(doc.root, change.path).set(lastKey(change.path), toTree(change.value, entry.stamp));
      doc.exists = true;
      return;
    case 'unset':
      coerceParent(doc.root, change.path).delete(lastKey(change.path));
      doc.exists = true;
      return;
    case 'list-insert': {
      const parent = coerceParent(doc.root, change.path);
      const key = lastKey(change.path);
      let list = parent.get(key);
      if (!(list instanceof ListNode)) {
        list = new ListNode();
        parent.set(key, list);
      }
      // An item is inserted once; a repeated insert of the same id leaves the list as it is.
      if (!list.items.has(change.item)) list.items.set(change.item, { pos: change.pos, value: change.value });
      doc.exists = true;
      return;
    }
    case 'list-remove':
      listAt(doc.root, change.path)?.items.delete(change.item);
      doc.exists = true;
      return;
    case 'list-move': {
      const list = listAt(doc.root, change.path);
      const item = list?.items.get(change.item);
      if (list && item) list.items.set(change.item, { pos: change.pos, value: item.value });
      doc.exists = true;
      return;
    }
    case 'inc': {
      const parent = coerceParent(doc.root, change.path);
      const key = lastKey(change.path);
      const current = parent.get(key);
      parent.set(key, (typeof current === 'number' ? current : 0) + change.by);
      doc.exists = true;
      return;
    }
    default:
      unexpectedCase(change);
  }
}

function lastKey(path: readonly string[]): string {
  return path[path.length - 1] ?? '';
}

function listAt(root: ObjectNode, path: readonly string[]): ListNode | undefined {
  const node = nodeAt(root, path);
  return node instanceof ListNode ? node : undefined;
}

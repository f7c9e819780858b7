/**
 * The reference semantics: a sequential fold of entries in (stamp, seq) order.
 * Pruning (prune-entries.ts) only drops entries that cannot change this fold.
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

import type { DocState, Json, JsonObject, Path } from '../core/index.js';
import { ListNode, nodeAt, orderedItems } from './doc-tree.js';
import type { ObjectNode, TreeNode } from './doc-tree.js';
import { foldEntries } from './fold-entries.js';

/**
 * The document as plain JSON, or undefined when it is absent or deleted. Lists
 * become arrays ordered by (pos, item id). The result shares nothing with the
 * state, so callers may mutate it.
 */
export function materialize(state: DocState): JsonObject | undefined {
  const doc = foldEntries(state.entries);
  return doc.exists ? objectToJson(doc.root) : undefined;
}

/**
 * The visible items of the list at `path`, in order, with their ids and
 * positions (what an insert or move needs to compute a new position).
 * Undefined when the document is absent or deleted or the value there is not a list.
 */
export function listItemsAt(state: DocState, path: Path): { item: string; pos: string; value: Json }[] | undefined {
  const doc = foldEntries(state.entries);
  if (!doc.exists) return undefined;
  const node = nodeAt(doc.root, path);
  if (!(node instanceof ListNode)) return undefined;
  return orderedItems(node).map(([item, { pos, value }]) => ({ item, pos, value: cloneJson(value) }));
}

function treeToJson(node: TreeNode): Json {
  if (node instanceof Map) return objectToJson(node);
  if (node instanceof ListNode) return orderedItems(node).map(([, item]) => cloneJson(item.value));
  return node;
}

function objectToJson(node: ObjectNode): JsonObject {
  const out: JsonObject = {};
  for (const [key, child] of node) setField(out, key, treeToJson(child));
  return out;
}

/** A deep copy: list item values are shared with the ops in the state and must not leak out mutable. */
function cloneJson(value: Json): Json {
  if (Array.isArray(value)) return value.map(cloneJson);
  if (value !== null && typeof value === 'object') {
    const out: JsonObject = {};
    for (const [key, child] of Object.entries(value)) setField(out, key, cloneJson(child));
    return out;
  }
  return value;
}

/** Assignment, except that `__proto__` becomes an own field (as JSON.parse makes it) instead of a prototype. */
function setField(target: JsonObject, key: string, value: Json): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

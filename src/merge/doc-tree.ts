/**
 * The working tree the fold builds: objects are Maps (so a field named
 * `__proto__` is just data), lists are `ListNode`s keyed by item id. A fold
 * owns every Map and ListNode it holds and mutates them freely; it never
 * mutates a value that came from an op (list item values are shared, opaque).
 */
import type { Json, JsonPrimitive, Path, Stamp } from '../core/index.js';
import { positionsFor } from './position-between.js';

export interface ListItem {
  readonly pos: string;
  /** Opaque JSON: arrays inside list items stay arrays, never nested lists. */
  readonly value: Json;
}

/** A list CRDT: items by identity; their order is derived from (pos, item id). */
export class ListNode {
  readonly items = new Map<string, ListItem>();
}

export type ObjectNode = Map<string, TreeNode>;
export type TreeNode = JsonPrimitive | ObjectNode | ListNode;

/** A document while folding: `root` survives a delete, so a newer update brings it back. */
export interface DocTree {
  exists: boolean;
  root: ObjectNode;
}

/**
 * The tree for a written value: objects recurse, arrays become lists whose
 * item ids derive from the writing entry's stamp (`${stamp}.${index}`), so
 * every replica names them alike.
 */
export function toTree(value: Json, stamp: Stamp): TreeNode {
  if (Array.isArray(value)) {
    const list = new ListNode();
    const positions = positionsFor(value.length);
    value.forEach((element, index) => {
      list.items.set(`${stamp}.${index}`, { pos: positions[index] ?? '', value: element });
    });
    return list;
  }
  if (value !== null && typeof value === 'object') {
    const node: ObjectNode = new Map();
    for (const [key, child] of Object.entries(value)) node.set(key, toTree(child, stamp));
    return node;
  }
  return value;
}

/**
 * The object holding the last segment of a non-empty `path`, replacing every
 * non-object on the way (absent, primitive, list) by an empty object.
 */
export function coerceParent(root: ObjectNode, path: Path): ObjectNode {
  let node = root;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i] ?? '';
    let child = node.get(key);
    if (!(child instanceof Map)) {
      child = new Map();
      node.set(key, child);
    }
    node = child;
  }
  return node;
}

/** The node at `path`, without changing anything; undefined when a step is missing or not an object. */
export function nodeAt(root: ObjectNode, path: Path): TreeNode | undefined {
  let node: TreeNode | undefined = root;
  for (const key of path) {
    if (!(node instanceof Map)) return undefined;
    node = node.get(key);
  }
  return node;
}

/** Items in list order: by pos, then item id, both plain string order. */
export function orderedItems(list: ListNode): [string, ListItem][] {
  return [...list.items].sort(([idA, a], [idB, b]) => {
    if (a.pos !== b.pos) return a.pos < b.pos ? -1 : 1;
    if (idA !== idB) return idA < idB ? -1 : 1;
    return 0;
  });
}

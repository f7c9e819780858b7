/**
 * Pruning: keep only the entries that can still change the fold.
 *
 * Entry E is *dominated* by a newer entry F (F sorts after E) when:
 * 1. F is `put`: the fold after F depends on nothing before it.
 * 2. F is `set`/`unset` at P and E is a non-empty path change at Q with P a
 *    prefix of (or equal to) Q. Let blank(v) be v with the proper prefixes
 *    of P turned into objects and P's subtree removed. E does not change
 *    blank(v): it writes inside P's subtree and coerces prefixes F coerces
 *    too. Any change between E and F maps values with equal blanks to values
 *    with equal blanks: at or above P it overwrites both alike, beside P it
 *    commutes with the coercion, below P it stays inside the removed
 *    subtree. F's result depends only on blank(v), and sets `exists`.
 * 3. E is `delete` and F is any other change that is not a no-op (it sets
 *    `exists` again; nothing reads `exists` in between), or F is a delete.
 * An `inc` reads the value it adds to, so it dominates nothing but an older
 * delete (rule 3), and marks no path written; as E it is dominated like any
 * path change (rules 1 and 2: it stays inside its path's subtree, and
 * between E and F it maps values with equal blanks to equal blanks, since
 * at or above P it replaces the value by a number in both).
 * The argument holds for any entries between E and F, so it also holds for
 * entries that arrive later: a dropped entry never matters again.
 *
 * Domination is transitive (each rule's dominator also satisfies the rule
 * against whatever the dominated entry dominated), so the kept set is a
 * function of all entries ever seen: replicas with the same ops hold
 * identical states, whatever order or grouping the ops came in.
 *
 * A kept `put` also loses the parts of its value that a newer kept set or
 * unset overwrites: the value at that path becomes null (the key stays, so
 * key order is kept). The fold writes the put, then the newer change
 * replaces or removes whatever is at that path, so the null is never seen.
 * Which paths are nulled depends only on the newer entries kept, and those
 * only ever gain cover (an entry leaves the state only for a newer one that
 * covers the same paths, or for a put that drops the older put too), so
 * this too is the same for any order. Only plain objects are walked: a path
 * through an array or a primitive is left as it is.
 */
import { unexpectedCase } from '../core/index.js';
import type { Change, Json, JsonObject, Path, StateEntry } from '../core/index.js';
import { isNoop } from './fold-entries.js';

interface PathTrie {
  /** A newer set/unset wrote exactly this path. */
  written: boolean;
  readonly children: Map<string, PathTrie>;
}

/** Drop dominated entries from `entries`, which are sorted and duplicate-free. O(entries × path depth). */
export function pruneEntries(entries: readonly StateEntry[]): StateEntry[] {
  const kept: StateEntry[] = [];
  const overwritten: PathTrie = { written: false, children: new Map() };
  let newerChange = false;
  // Newest first, so every dominator of an entry has been seen when it is reached. A dominated
  // entry is not recorded as a dominator: by transitivity its own dominator covers the same entries.
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i];
    if (entry === undefined) continue;
    const change = entry.change;
    if (isNoop(change)) {
      kept.push(entry);
      continue;
    }
    switch (change.kind) {
      case 'put':
        // Rule 1: nothing older survives.
        kept.push(withPrunedValue(entry, overwritten));
        return kept.reverse();
      case 'delete':
        if (!newerChange) kept.push(entry);
        break;
      case 'set':
      case 'unset':
        if (!hasPrefixOf(overwritten, change.path)) {
          kept.push(entry);
          markWritten(overwritten, change.path);
        }
        break;
      case 'list-insert':
      case 'list-remove':
      case 'list-move':
      case 'inc':
        if (!hasPrefixOf(overwritten, change.path)) kept.push(entry);
        break;
      default:
        unexpectedCase(change);
    }
    newerChange = true;
  }
  return kept.reverse();
}

/** The rules above for one pair: does the `newer` change make the `older` one irrelevant? */
export function dominates(newer: Change, older: Change): boolean {
  if (isNoop(newer)) return false;
  if (newer.kind === 'put' || older.kind === 'delete') return true;
  if (newer.kind !== 'set' && newer.kind !== 'unset') return false;
  if (older.kind === 'put' || isNoop(older)) return false;
  return newer.path.every((key, i) => older.path[i] === key);
}

/** The put entry with every path the trie marks written set to null; the same object when nothing changes. */
function withPrunedValue(entry: StateEntry, trie: PathTrie): StateEntry {
  const change = entry.change as Extract<Change, { kind: 'put' }>;
  const value = nullWritten(change.value, trie) as JsonObject;
  return value === change.value ? entry : { ...entry, change: { kind: 'put', value } };
}

function nullWritten(value: Json, trie: PathTrie): Json {
  if (trie.children.size === 0 || !isPlainObject(value)) return value;
  let copy: Record<string, Json> | undefined;
  for (const [key, child] of trie.children) {
    if (!Object.hasOwn(value, key)) continue;
    const old = value[key] as Json;
    const next = child.written ? null : nullWritten(old, child);
    if (next !== old) (copy ??= { ...value })[key] = next;
  }
  return copy ?? value;
}

/** The put value with `path` set to null where it exists (for one newer set/unset); the same object when nothing changes. */
export function nullPath(value: JsonObject, path: Path): JsonObject {
  const trie: PathTrie = { written: false, children: new Map() };
  markWritten(trie, path);
  return nullWritten(value, trie) as JsonObject;
}

const isPlainObject = (value: Json): value is JsonObject => value !== null && typeof value === 'object' && !Array.isArray(value);

function hasPrefixOf(trie: PathTrie, path: Path): boolean {
  let node: PathTrie | undefined = trie;
  for (const key of path) {
    node = node.children.get(key);
    if (node === undefined) return false;
    if (node.written) return true;
  }
  return false;
}

function markWritten(trie: PathTrie, path: Path): void {
  let node = trie;
  for (const key of path) {
    let child = node.children.get(key);
    if (child === undefined) {
      child = { written: false, children: new Map() };
      node.children.set(key, child);
    }
    node = child;
  }
  node.written = true;
}

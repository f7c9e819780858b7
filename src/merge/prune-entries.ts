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
 * The argument holds for any entries between E and F, so it also holds for
 * entries that arrive later: a dropped entry never matters again.
 *
 * Domination is transitive (each rule's dominator also satisfies the rule
 * against whatever the dominated entry dominated), so the kept set is a
 * function of all entries ever seen: replicas with the same ops hold
 * identical states, whatever order or grouping the ops came in.
 */
import { unexpectedCase } from '../core/index.js';
import type { Change, Path, StateEntry } from '../core/index.js';
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
        kept.push(entry);
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

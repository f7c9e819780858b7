import { stampOf } from '../core/index.js';
import type { DocState, Op, Stamp, StateEntry } from '../core/index.js';
import { compareEntries } from './compare-entries.js';
import { dominates, nullPath, pruneEntries } from './prune-entries.js';

/** Above this many ops, one merge and prune pass beats appending them one by one. */
const APPEND_LIMIT = 8;

/** The state of a document nobody has written. */
export const emptyDocState: DocState = Object.freeze({ entries: Object.freeze([]) });

/**
 * Add one document's ops to its state. Pure, commutative and idempotent: any
 * order, grouping or repetition of the same ops gives the same state. The
 * caller passes only ops of this document; they are not checked. Returns
 * `state` itself when nothing changed (for example, only duplicates).
 * Linear in the state's size when the ops arrive in order (the common case).
 * `state` must come from this module (`emptyDocState` or an earlier result):
 * sorted, duplicate-free and pruned.
 */
export function applyOps(state: DocState, ops: readonly Op[]): DocState {
  if (ops.length === 0) return state;
  const incoming = ops.map(entryOf);
  if (!isSorted(incoming)) incoming.sort(compareEntries);
  const last = state.entries.at(-1);
  const first = incoming[0] as StateEntry;
  if (incoming.length <= APPEND_LIMIT && (last === undefined || compareEntries(last, first) < 0)) {
    return { entries: incoming.reduce(appendNewest, state.entries) };
  }
  return withEntries(state, mergeSorted(state.entries, incoming));
}

/** The state holding both states' writes: their union, deduplicated and pruned. */
export function mergeStates(a: DocState, b: DocState): DocState {
  if (b.entries.length === 0) return a;
  if (a.entries.length === 0) return b;
  return withEntries(a, mergeSorted(a.entries, b.entries));
}

/** The highest stamp in the state (never pruned: only a newer entry can dominate). */
export function lastWrite(state: DocState): { stamp: Stamp } | undefined {
  const last = state.entries.at(-1);
  return last === undefined ? undefined : { stamp: last.stamp };
}

function entryOf(op: Op): StateEntry {
  return { stamp: stampOf(op), seq: op.seq, change: op.change };
}

/**
 * The common case: `entry` sorts after every entry of the pruned `entries`.
 * Nothing in `entries` dominates another, so the only entries to drop are the
 * ones `entry` dominates; `entry` itself is newest, so nothing dominates it.
 */
function appendNewest(entries: readonly StateEntry[], entry: StateEntry): readonly StateEntry[] {
  const last = entries.at(-1);
  if (last !== undefined && compareEntries(last, entry) === 0) return entries;
  const change = entry.change;
  const kept = entries.filter((older) => !dominates(change, older.change));
  if ((change.kind === 'set' || change.kind === 'unset') && change.path.length > 0) {
    // A put older than this write no longer needs its value at this path (see prune-entries.ts).
    for (let i = 0; i < kept.length; i++) {
      const older = kept[i] as StateEntry;
      if (older.change.kind !== 'put') continue;
      const value = nullPath(older.change.value, change.path);
      if (value !== older.change.value) kept[i] = { ...older, change: { kind: 'put', value } };
    }
  }
  kept.push(entry);
  return kept;
}

function isSorted(entries: readonly StateEntry[]): boolean {
  for (let i = 1; i < entries.length; i++) {
    if (compareEntries(entries[i - 1] as StateEntry, entries[i] as StateEntry) > 0) return false;
  }
  return true;
}

/**
 * One sorted list from two sorted lists, dropping repeats of the same
 * (stamp, seq): the first copy wins (a forked replica is detected elsewhere).
 */
function mergeSorted(a: readonly StateEntry[], b: readonly StateEntry[]): StateEntry[] {
  const out: StateEntry[] = [];
  const push = (entry: StateEntry): void => {
    const previous = out[out.length - 1];
    if (previous === undefined || compareEntries(previous, entry) !== 0) out.push(entry);
  };
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (y === undefined || (x !== undefined && compareEntries(x, y) <= 0)) {
      push(x as StateEntry);
      i++;
    } else {
      push(y);
      j++;
    }
  }
  return out;
}

function withEntries(state: DocState, merged: StateEntry[]): DocState {
  const entries = pruneEntries(merged);
  const unchanged = entries.length === state.entries.length && entries.every((entry, i) => entry === state.entries[i]);
  return unchanged ? state : { entries };
}

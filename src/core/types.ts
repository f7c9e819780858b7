/**
 * The data that every layer shares: JSON values, operations, stamps and
 * baselines. Ops cross the wire and are stored on both sides, so their shape is
 * defined once, here.
 */

export type JsonPrimitive = null | boolean | number | string;
export type Json = JsonPrimitive | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** A path of field names from the document root. Never empty in `set`/`unset`/list changes. */
export type Path = readonly string[];

/**
 * One change to one document.
 * - `put` replaces the whole document (arrays in `value` become lists whose
 *   item ids derive from the op's stamp, see merge/list.ts).
 * - `set` / `unset` write one nested field; a newer write to a prefix path wins
 *   over older writes below it.
 * - `delete` tombstones the document; a newer write recreates it.
 * - list changes address items by identity (`item`), never by index; `pos` is a
 *   fractional position key, ties broken by item id.
 * - `inc` adds `by` (a safe integer) to the number at `path` (0 when the value
 *   there is not a number). Increments commute; a newer set/unset/put of the
 *   path or a prefix is a new base that drops every increment stamped before
 *   it (see merge/fold-entries.ts).
 */
export type Change =
  | { readonly kind: 'put'; readonly value: JsonObject }
  | { readonly kind: 'set'; readonly path: Path; readonly value: Json }
  | { readonly kind: 'unset'; readonly path: Path }
  | { readonly kind: 'delete' }
  | { readonly kind: 'list-insert'; readonly path: Path; readonly item: string; readonly pos: string; readonly value: Json }
  | { readonly kind: 'list-remove'; readonly path: Path; readonly item: string }
  | { readonly kind: 'list-move'; readonly path: Path; readonly item: string; readonly pos: string }
  | { readonly kind: 'inc'; readonly path: Path; readonly by: number };

export type ChangeKind = Change['kind'];

/** One operation: `(replicaId, seq)` is unique and gap-free per replica; `ts` is an HLC timestamp. */
export interface Op {
  readonly replicaId: string;
  readonly seq: number;
  readonly ts: string;
  readonly collection: string;
  readonly id: string;
  readonly change: Change;
}

/**
 * A stamp orders writes totally: the op's `ts` (fixed width) followed by its
 * `replicaId`, so plain string comparison orders by `(ts, replicaId)`.
 */
export type Stamp = string;

export function stampOf(op: Pick<Op, 'ts' | 'replicaId'>): Stamp {
  return op.ts + op.replicaId;
}

/** One retained write in a document's merge state. */
export interface StateEntry {
  readonly stamp: Stamp;
  /** The op's seq: a final tiebreak, so even a malformed input with a repeated stamp merges deterministically. */
  readonly seq: number;
  readonly change: Change;
}

/**
 * A document's merge state: the writes that still matter, sorted by
 * `(stamp, seq)`; writes overwritten by a newer write to the same or a prefix
 * path are pruned. Plain JSON, so it can be stored and sent as is.
 */
export interface DocState {
  readonly entries: readonly StateEntry[];
}

/** A document's compacted state as of `ts`, tagged with the replica that last wrote it. */
export interface Baseline {
  readonly collection: string;
  readonly id: string;
  readonly state: DocState;
  readonly replicaId: string;
  readonly ts: string;
}

/**
 * Documents as the server holds them, for the server API: each one's
 * baseline with its ops in the log folded in by the merge the replicas run,
 * so the server reads what every caught-up replica shows.
 */
import type { DocState, JsonObject } from '../../core/index.js';
import { applyOps, emptyDocState, materialize } from '../../merge/index.js';
import { readBaselineState } from './baselines.js';
import { readDocumentOps } from './op-log.js';
import type { SqlStorage } from './types.js';

export interface DocKey {
  readonly library: string;
  readonly collection: string;
  readonly id: string;
}

/** The document's merge state: its baseline and every op of it still in the log. */
export function readDocState(sql: SqlStorage, key: DocKey): DocState {
  const baseline = readBaselineState(sql, key) ?? emptyDocState;
  const ops = readDocumentOps(sql, { ...key, upTo: Number.MAX_SAFE_INTEGER }).map((entry) => entry.op);
  return applyOps(baseline, ops);
}

/** The document as JSON, or undefined when absent or deleted. */
export function readDoc(sql: SqlStorage, key: DocKey): JsonObject | undefined {
  return materialize(readDocState(sql, key));
}

/**
 * The ids of the collection's documents (a baseline or an op; deleted ones
 * too, which read as undefined), in id order. Every document is read once
 * per call: the server API is for an app's backend tasks, not for queries
 * over large collections.
 */
export function listDocIds(sql: SqlStorage, o: { library: string; collection: string }): string[] {
  return sql
    .exec<{ id: string }>(
      'SELECT id FROM baselines WHERE library = ? AND collection = ? UNION SELECT id FROM ops WHERE library = ? AND collection = ? ORDER BY id',
      o.library,
      o.collection,
      o.library,
      o.collection,
    )
    .map((row) => row.id);
}

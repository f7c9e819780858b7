/**
 * Reading documents' merge states for the authoritative server's cache
 * (doc-cache.ts): one document (baseline + every op the log holds for it), or
 * every document a push touches at once, two statements per collection
 * instead of two per document (bench server-ingest: a push of 100 new
 * documents made 200 statements). The ids are bound as one JSON array: a
 * Durable Object's SQLite binds at most 100 parameters.
 */
import type { DocState, Op } from '../../core/index.js';
import { applyOps, emptyDocState } from '../../merge/index.js';
import { readBaselineState } from './baselines.js';
import { readDocumentOps } from './op-log.js';
import type { SqlStorage } from './types.js';

export interface LoadedState {
  readonly state: DocState;
  /** An estimate of its JSON size, for the cache's byte bound (0 for a new document). */
  readonly bytes: number;
}

/** Baseline + every op of the document still in the log (ops below the horizon are squashed into the baseline, or kept for a large document). */
export function loadState(sql: SqlStorage, o: { library: string; collection: string; id: string }): LoadedState {
  const baseline = readBaselineState(sql, o) ?? emptyDocState;
  const ops = readDocumentOps(sql, { ...o, upTo: Number.MAX_SAFE_INTEGER });
  return sized(baseline, ops.map((entry) => entry.op));
}

/** The states of several documents, by documentKey; each as loadState reads it. */
export function loadStates(sql: SqlStorage, o: { library: string; docs: readonly { collection: string; id: string; key: string }[] }): Map<string, LoadedState> {
  // Per collection: each id with its documentKey.
  const ids = new Map<string, Map<string, string>>();
  for (const { collection, id, key } of o.docs) (ids.get(collection) ?? ids.set(collection, new Map()).get(collection))?.set(id, key);
  const loaded = new Map<string, LoadedState>();
  for (const [collection, set] of ids) {
    const list = JSON.stringify([...set.keys()]);
    const baselines = sql.exec<{ id: string; state: string }>(
      'SELECT id, state FROM baselines WHERE library = ? AND collection = ? AND id IN (SELECT value FROM json_each(?))',
      o.library,
      collection,
      list,
    );
    // Each document's ops in server seq order, as loadState folds them. Not ORDER BY server_seq alone:
    // SQLite would then walk the library's whole log in key order instead of ops_by_document (schema.ts).
    const rows = sql.exec<{ replica: string; seq: number; ts: string; id: string; change: string }>(
      'SELECT replica, seq, ts, id, change FROM ops WHERE library = ? AND collection = ? AND id IN (SELECT value FROM json_each(?)) ORDER BY id, server_seq',
      o.library,
      collection,
      list,
    );
    const opsById = new Map<string, Op[]>();
    for (const row of rows) {
      const op: Op = { replicaId: row.replica, seq: row.seq, ts: row.ts, collection, id: row.id, change: JSON.parse(row.change) };
      (opsById.get(row.id) ?? opsById.set(row.id, []).get(row.id))?.push(op);
    }
    const baselineById = new Map(baselines.map((row) => [row.id, JSON.parse(row.state) as DocState]));
    for (const [id, key] of set) loaded.set(key, sized(baselineById.get(id) ?? emptyDocState, opsById.get(id) ?? []));
  }
  return loaded;
}

function sized(baseline: DocState, ops: readonly Op[]): LoadedState {
  // A new document (the common miss: a push of puts) costs nothing to size.
  if (baseline === emptyDocState && ops.length === 0) return { state: emptyDocState, bytes: 0 };
  const state = applyOps(baseline, ops);
  // An estimate for the bound, not an exact size: a re-encode of what was just parsed.
  return { state, bytes: JSON.stringify(state).length };
}

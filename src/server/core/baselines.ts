/** Rows of `baselines`: each document's compacted state. */
import { TS_LENGTH } from '../../core/index.js';
import type { Baseline, DocState } from '../../core/index.js';
import { lastWrite } from '../../merge/index.js';
import { utf8Length } from '../../protocol/index.js';
import type { SqlStorage } from './types.js';

interface BaselineRow {
  readonly collection: string;
  readonly id: string;
  readonly state: string;
  readonly replica: string;
  readonly ts: string;
}

const PAGE = 200;

function toBaseline(row: BaselineRow): Baseline {
  return { collection: row.collection, id: row.id, state: JSON.parse(row.state) as DocState, replicaId: row.replica, ts: row.ts };
}

export function readBaselineState(sql: SqlStorage, o: { library: string; collection: string; id: string }): DocState | undefined {
  const [row] = sql.exec<{ state: string }>(
    'SELECT state FROM baselines WHERE library = ? AND collection = ? AND id = ?',
    o.library,
    o.collection,
    o.id,
  );
  return row === undefined ? undefined : (JSON.parse(row.state) as DocState);
}

/** The baseline of a document's state, tagged with its last write's replica and ts; undefined for a state without writes. */
export function baselineOf(o: { collection: string; id: string; state: DocState }): Baseline | undefined {
  const last = lastWrite(o.state);
  if (last === undefined) return undefined;
  return { collection: o.collection, id: o.id, state: o.state, replicaId: last.stamp.slice(TS_LENGTH), ts: last.stamp.slice(0, TS_LENGTH) };
}

/**
 * Store a document's state as its baseline (see baselineOf). A state without
 * writes is not stored. Callers check `baselineFits` first: a bigger
 * baseline could not travel in one frame.
 */
export function writeBaseline(sql: SqlStorage, o: { library: string; collection: string; id: string; state: DocState }): void {
  const baseline = baselineOf(o);
  if (baseline === undefined) return;
  sql.exec(
    `INSERT INTO baselines (library, collection, id, state, replica, ts) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (library, collection, id) DO UPDATE SET state = excluded.state, replica = excluded.replica, ts = excluded.ts`,
    o.library,
    o.collection,
    o.id,
    JSON.stringify(o.state),
    baseline.replicaId,
    baseline.ts,
  );
}

/** Streams the library's baselines in (collection, id) order, a page at a time. */
export function* streamBaselines(sql: SqlStorage, library: string): Generator<Baseline> {
  for (const row of streamRows(sql, library)) yield toBaseline(row);
}

/**
 * streamBaselines, each with the UTF-8 bytes of its JSON, so that chunking
 * need not serialize its state again (bench late-joiner spent a third of the
 * snapshot's time doing so).
 */
export function* streamSizedBaselines(sql: SqlStorage, library: string, only?: DocFilter): Generator<{ baseline: Baseline; bytes: number }> {
  for (const row of streamRows(sql, library)) if (only === undefined || only(row.collection, row.id)) yield { baseline: toBaseline(row), bytes: baselineBytes(row) };
}

/** Only the documents this accepts (a replica's query: replica-query.ts). */
type DocFilter = (collection: string, id: string) => boolean;

/**
 * Exact: the stored state is JSON.stringify's output (writeBaseline), which a
 * parse and a second stringify reproduce, so the baseline's JSON is the other
 * fields' JSON with the stored state in place of a one-byte placeholder.
 */
function baselineBytes(row: BaselineRow): number {
  const rest = JSON.stringify({ collection: row.collection, id: row.id, state: 0, replicaId: row.replica, ts: row.ts });
  return utf8Length(rest) - 1 + utf8Length(row.state);
}

function* streamRows(sql: SqlStorage, library: string): Generator<BaselineRow> {
  let after: [string, string] = ['', ''];
  for (;;) {
    const rows = sql.exec<BaselineRow>(
      `SELECT collection, id, state, replica, ts FROM baselines
       WHERE library = ? AND (collection > ? OR (collection = ? AND id > ?)) ORDER BY collection, id LIMIT ?`,
      library,
      after[0],
      after[0],
      after[1],
      PAGE,
    );
    yield* rows;
    if (rows.length < PAGE) return;
    const last = rows[rows.length - 1] as BaselineRow;
    after = [last.collection, last.id];
  }
}

export function countBaselines(sql: SqlStorage, library: string, only?: DocFilter): number {
  if (only !== undefined) {
    const rows = sql.exec<{ collection: string; id: string }>('SELECT collection, id FROM baselines WHERE library = ?', library);
    return rows.reduce((n, row) => (only(row.collection, row.id) ? n + 1 : n), 0);
  }
  return sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM baselines WHERE library = ?', library)[0]?.n ?? 0;
}

/** Rows of `libraries`: one per library, with its epoch, head and horizon. */
import type { SqlStorage } from './types.js';

export interface LibraryRow {
  readonly library: string;
  /** Names this history of the library; a new one after an eviction or a seed. */
  readonly epoch: string;
  /** Highest server seq assigned. */
  readonly head_seq: number;
  /** Ops at or below it were squashed into baselines. */
  readonly horizon: number;
  readonly created_at: number;
}

export function readLibrary(sql: SqlStorage, library: string): LibraryRow | undefined {
  return sql.exec<LibraryRow>('SELECT * FROM libraries WHERE library = ?', library)[0];
}

/** The library's row, created with a fresh epoch when missing. */
export function ensureLibrary(sql: SqlStorage, options: { library: string; epoch: string; now: number }): LibraryRow {
  sql.exec(
    'INSERT OR IGNORE INTO libraries (library, epoch, head_seq, horizon, created_at) VALUES (?, ?, 0, 0, ?)',
    options.library,
    options.epoch,
    options.now,
  );
  return readLibrary(sql, options.library) as LibraryRow;
}

/** True when the library holds ops or baselines (it was seeded or written to). */
export function hasHistory(sql: SqlStorage, library: string): boolean {
  const [row] = sql.exec<{ found: number }>(
    'SELECT (EXISTS (SELECT 1 FROM ops WHERE library = ?) OR EXISTS (SELECT 1 FROM baselines WHERE library = ?)) AS found',
    library,
    library,
  );
  return row?.found === 1;
}

export function setHead(sql: SqlStorage, o: { library: string; headSeq: number }): void {
  sql.exec('UPDATE libraries SET head_seq = ? WHERE library = ?', o.headSeq, o.library);
}

export function setHorizon(sql: SqlStorage, o: { library: string; horizon: number }): void {
  sql.exec('UPDATE libraries SET horizon = ? WHERE library = ?', o.horizon, o.library);
}

export function countLibraries(sql: SqlStorage): number {
  return sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM libraries')[0]?.n ?? 0;
}

export function listLibraries(sql: SqlStorage): string[] {
  return sql.exec<{ library: string }>('SELECT library FROM libraries ORDER BY library').map((row) => row.library);
}

/** Drop every row of the library, in every table. */
export function deleteLibrary(sql: SqlStorage, library: string): void {
  for (const table of ['ops', 'baselines', 'replicas', 'replica_heads', 'rejections', 'refused_ranges', 'peer_checkpoints', 'libraries'] as const) {
    sql.exec(`DELETE FROM ${table} WHERE library = ?`, library);
  }
}

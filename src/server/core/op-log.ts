/** Rows of `ops`: the library's log, in server seq order. */
import type { Op } from '../../core/index.js';
import type { ServerOp } from '../../protocol/index.js';
import type { SqlStorage } from './types.js';
import { storedChangeText } from './change-text.js';

interface OpRow {
  readonly server_seq: number;
  readonly replica: string;
  readonly seq: number;
  readonly ts: string;
  readonly collection: string;
  readonly id: string;
  readonly change: string;
}

/** Rows fetched per query when streaming the log. */
const PAGE = 500;

function toServerOp(row: OpRow): ServerOp {
  const op: Op = { replicaId: row.replica, seq: row.seq, ts: row.ts, collection: row.collection, id: row.id, change: JSON.parse(row.change) };
  return { serverSeq: row.server_seq, op };
}

export function insertOp(sql: SqlStorage, o: { library: string; entry: ServerOp }): void {
  const { library, entry } = o;
  const { op } = entry;
  sql.exec(
    'INSERT INTO ops (library, server_seq, replica, seq, ts, collection, id, change) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    library,
    entry.serverSeq,
    op.replicaId,
    op.seq,
    op.ts,
    op.collection,
    op.id,
    storedChangeText(op),
  );
}

/**
 * Rows per INSERT in insertOps: 8 parameters each, so 96 stay under the 100
 * bound parameters a Durable Object's SQLite takes per statement. One
 * statement for 12 rows instead of 12 statements inserted ~1.6× as many rows
 * per second through the better-sqlite3 SqlStorage (100 per transaction), for
 * a push's commit.
 */
const ROWS_PER_INSERT = 12;

/** The statement for 1..ROWS_PER_INSERT rows, built once (adapters cache prepared statements by their text). */
const INSERT_STATEMENTS = Array.from(
  { length: ROWS_PER_INSERT + 1 },
  (_, rows) => `INSERT INTO ops (library, server_seq, replica, seq, ts, collection, id, change) VALUES ${Array(rows).fill('(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
);

/** The same rows as insertOp for each entry, several per statement. */
export function insertOps(sql: SqlStorage, o: { library: string; entries: readonly ServerOp[] }): void {
  for (let start = 0; start < o.entries.length; start += ROWS_PER_INSERT) {
    const rows = o.entries.slice(start, start + ROWS_PER_INSERT);
    const params: unknown[] = [];
    for (const { serverSeq, op } of rows) params.push(o.library, serverSeq, op.replicaId, op.seq, op.ts, op.collection, op.id, storedChangeText(op));
    sql.exec(INSERT_STATEMENTS[rows.length] as string, ...params);
  }
}

/** The stored ops of one replica with seq in [fromSeq, toSeq]. */
export function readOwnOps(sql: SqlStorage, o: { library: string; replica: string; fromSeq: number; toSeq: number }): ServerOp[] {
  return sql
    .exec<OpRow>(
      'SELECT * FROM ops WHERE library = ? AND replica = ? AND seq BETWEEN ? AND ? ORDER BY seq',
      o.library,
      o.replica,
      o.fromSeq,
      o.toSeq,
    )
    .map(toServerOp);
}

export interface OpRange {
  readonly library: string;
  /** Exclusive lower bound. */
  readonly after: number;
  /** Inclusive upper bound; default: no bound. */
  readonly upTo?: number;
  /** Leave out this replica's own ops. */
  readonly except?: string;
  /** Only ops of the documents this accepts (a replica's query: replica-query.ts); rows are tested before they are parsed. */
  readonly only?: (collection: string, id: string) => boolean;
}

/** Streams the ops in a server seq range, a page at a time, in order. */
export function* streamOps(sql: SqlStorage, range: OpRange): Generator<ServerOp> {
  let after = range.after;
  const upTo = range.upTo ?? Number.MAX_SAFE_INTEGER;
  for (;;) {
    const rows = sql.exec<OpRow>(
      'SELECT * FROM ops WHERE library = ? AND server_seq > ? AND server_seq <= ? AND replica != ? ORDER BY server_seq LIMIT ?',
      range.library,
      after,
      upTo,
      range.except ?? '',
      PAGE,
    );
    for (const row of rows) if (range.only === undefined || range.only(row.collection, row.id)) yield toServerOp(row);
    if (rows.length < PAGE) return;
    after = (rows[rows.length - 1] as OpRow).server_seq;
  }
}

export function countOps(sql: SqlStorage, range: OpRange): number {
  if (range.only !== undefined) return countOnly(sql, range, range.only);
  const [row] = sql.exec<{ n: number }>(
    'SELECT COUNT(*) AS n FROM ops WHERE library = ? AND server_seq > ? AND server_seq <= ? AND replica != ?',
    range.library,
    range.after,
    range.upTo ?? Number.MAX_SAFE_INTEGER,
    range.except ?? '',
  );
  return row?.n ?? 0;
}

/** countOps for a query: the documents' names only are read (no change is parsed). */
function countOnly(sql: SqlStorage, range: OpRange, only: (collection: string, id: string) => boolean): number {
  const rows = sql.exec<{ collection: string; id: string }>(
    'SELECT collection, id FROM ops WHERE library = ? AND server_seq > ? AND server_seq <= ? AND replica != ?',
    range.library,
    range.after,
    range.upTo ?? Number.MAX_SAFE_INTEGER,
    range.except ?? '',
  );
  return rows.reduce((n, row) => (only(row.collection, row.id) ? n + 1 : n), 0);
}

export function deleteOpsUpTo(sql: SqlStorage, o: { library: string; serverSeq: number }): void {
  sql.exec('DELETE FROM ops WHERE library = ? AND server_seq <= ?', o.library, o.serverSeq);
}

/**
 * Documents with ops at or below `upTo` still in the log. Below the horizon
 * only the ops of documents too large for one baseline stay (see
 * compaction.ts), so this is usually empty and cheap.
 */
export function documentsWithOpsUpTo(sql: SqlStorage, o: { library: string; upTo: number }): Set<string> {
  const rows = sql.exec<{ collection: string; id: string }>('SELECT DISTINCT collection, id FROM ops WHERE library = ? AND server_seq <= ?', o.library, o.upTo);
  return new Set(rows.map((row) => documentKey(row.collection, row.id)));
}

/** One document's ops at or below `upTo`, in server seq order. */
export function readDocumentOps(sql: SqlStorage, o: { library: string; collection: string; id: string; upTo: number }): ServerOp[] {
  return sql
    .exec<OpRow>(
      'SELECT * FROM ops WHERE library = ? AND server_seq <= ? AND collection = ? AND id = ? ORDER BY server_seq',
      o.library,
      o.upTo,
      o.collection,
      o.id,
    )
    .map(toServerOp);
}

/** Names a document in maps and sets: ids are data, so the pair is encoded, never joined with a separator. */
export const documentKey = (collection: string, id: string): string => JSON.stringify([collection, id]);

/**
 * Deletes the ops in (after, upTo] except those at the `keep` server seqs
 * (ascending): one statement per run between kept ops, so no statement binds
 * more than a few parameters (a Durable Object's SQLite takes 100).
 */
export function deleteOpsBetween(sql: SqlStorage, o: { library: string; after: number; upTo: number; keep: readonly number[] }): void {
  let from = o.after;
  for (const kept of [...o.keep, o.upTo + 1]) {
    if (kept - 1 > from) sql.exec('DELETE FROM ops WHERE library = ? AND server_seq > ? AND server_seq <= ?', o.library, from, kept - 1);
    from = kept;
  }
}

export function deleteOp(sql: SqlStorage, o: { library: string; serverSeq: number }): void {
  sql.exec('DELETE FROM ops WHERE library = ? AND server_seq = ?', o.library, o.serverSeq);
}

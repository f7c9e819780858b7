/**
 * Forks between servers: the same (replicaId, seq) held with two op hashes. The version of the
 * replica's home server is kept; the other is stored nowhere but here.
 */
import type { ForkRecord, SqlStorage } from './types.js';

export type { ForkRecord } from './types.js';

interface ForkRow {
  readonly library: string;
  readonly replica: string;
  readonly seq: number;
  readonly kept_hash: string;
  readonly kept_server: string;
  readonly refused_hash: string;
  readonly refused_server: string;
  readonly at: number;
}

/** Records the fork once; true when it is new. */
export function recordFork(sql: SqlStorage, fork: ForkRecord): boolean {
  const before = sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM forks WHERE library = ? AND replica = ? AND seq = ? AND refused_hash = ?', fork.library, fork.replicaId, fork.seq, fork.refused.hash)[0]?.n ?? 0;
  if (before > 0) return false;
  sql.exec(
    'INSERT INTO forks (library, replica, seq, kept_hash, kept_server, refused_hash, refused_server, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    fork.library,
    fork.replicaId,
    fork.seq,
    fork.kept.hash,
    fork.kept.server,
    fork.refused.hash,
    fork.refused.server,
    fork.at,
  );
  return true;
}

/** The forks found, in one library or all, oldest first. */
export function listForks(sql: SqlStorage, library?: string): ForkRecord[] {
  const rows =
    library === undefined
      ? sql.exec<ForkRow>('SELECT * FROM forks ORDER BY at, library, replica, seq')
      : sql.exec<ForkRow>('SELECT * FROM forks WHERE library = ? ORDER BY at, replica, seq', library);
  return rows.map((row) => ({
    library: row.library,
    replicaId: row.replica,
    seq: row.seq,
    kept: { hash: row.kept_hash, server: row.kept_server },
    refused: { hash: row.refused_hash, server: row.refused_server },
    at: row.at,
  }));
}

/** The replica's earliest fork in the library and the hash kept there, if it forked: told to it at hello (on-hello.ts). */
export function forkOf(sql: SqlStorage, o: { library: string; replica: string }): { seq: number; hash: string } | undefined {
  const [row] = sql.exec<{ seq: number; kept_hash: string }>('SELECT seq, kept_hash FROM forks WHERE library = ? AND replica = ? ORDER BY seq LIMIT 1', o.library, o.replica);
  return row === undefined ? undefined : { seq: row.seq, hash: row.kept_hash };
}

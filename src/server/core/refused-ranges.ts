/**
 * Ops a server dropped after losing a fork between servers (peer-forks.ts) were sent to its replicas
 * under server seqs it goes on using. Instead of a new epoch (which would reset every replica), it
 * records the range of server seqs from the first dropped op to its head at the drop: a replica whose
 * cursor lies in a range may hold dropped ops and resets (decide.ts); one below it never received
 * them (its catch-up skips them: they left the log), and one above it got its cursor after the drop,
 * from a catch-up or a snapshot without them.
 */
import type { SqlStorage } from './types.js';

export function recordRefusedRange(sql: SqlStorage, o: { library: string; fromSeq: number; toSeq: number }): void {
  sql.exec('INSERT OR REPLACE INTO refused_ranges (library, from_seq, to_seq) VALUES (?, ?, ?)', o.library, o.fromSeq, o.toSeq);
}

/** True when a replica at this server seq may hold ops this server dropped. */
export function inRefusedRange(sql: SqlStorage, o: { library: string; serverSeq: number }): boolean {
  const [row] = sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM refused_ranges WHERE library = ? AND from_seq <= ? AND to_seq >= ?', o.library, o.serverSeq, o.serverSeq);
  return (row?.n ?? 0) > 0;
}

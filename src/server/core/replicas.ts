/** Rows of `replicas`: who synced with a library, when, and how far. */
import type { SqlStorage } from './types.js';

export type ReplicaStatus = 'active' | 'truant';

export interface ReplicaRow {
  readonly library: string;
  readonly replica: string;
  readonly user: string;
  readonly first_seen: number;
  /** Refreshed by a live connection's messages (at most once a minute) and when it closes. */
  readonly last_seen: number;
  /**
   * The replica applied every op up to here: its last `cursor`, or further
   * by its own acknowledged pushes (recordPush). The horizon is the
   * lowest over active replicas.
   */
  readonly acked_seq: number;
  /** The highest cursor the replica sent (or was registered at): what its stored cursor is at least. */
  readonly cursor_seq: number;
  /** The replica's highest own seq stored here. */
  readonly max_seq: number;
  readonly status: ReplicaStatus;
  /** opHash of the replica's op at max_seq; null when max_seq is 0 or the op was stored before hashes were kept. */
  readonly last_hash: string | null;
}

/** Names one replica of one library. */
export interface ReplicaKey {
  readonly library: string;
  readonly replica: string;
}

export function readReplica(sql: SqlStorage, key: ReplicaKey): ReplicaRow | undefined {
  return sql.exec<ReplicaRow>('SELECT * FROM replicas WHERE library = ? AND replica = ?', key.library, key.replica)[0];
}

/**
 * Whether the id already names a replica of the library: a row (any user), an
 * op, or a write kept in a baseline (ops compacted away, or seeded by another
 * replica, leave no row). Baseline states are searched for the id as it ends
 * a JSON-encoded stamp; a false match in user data only makes a join pick
 * another id, while reusing a known id would collide with its ops.
 */
export function replicaIdInUse(sql: SqlStorage, key: ReplicaKey): boolean {
  const needle = `${JSON.stringify(key.replica).slice(1, -1)}"`;
  const [row] = sql.exec<{ used: number }>(
    `SELECT (EXISTS (SELECT 1 FROM replicas WHERE library = ? AND replica = ?)
      OR EXISTS (SELECT 1 FROM ops WHERE library = ? AND replica = ?)
      OR EXISTS (SELECT 1 FROM baselines WHERE library = ? AND (replica = ? OR instr(state, ?) > 0))) AS used`,
    key.library,
    key.replica,
    key.library,
    key.replica,
    key.library,
    key.replica,
    needle,
  );
  return row?.used === 1;
}

export interface RegisterReplica {
  readonly library: string;
  readonly replica: string;
  readonly user: string;
  readonly now: number;
  readonly ackedSeq: number;
  readonly maxSeq: number;
}

/** Insert the replica as active, or make an existing row active with these values. */
export function registerReplica(sql: SqlStorage, r: RegisterReplica): void {
  sql.exec(
    `INSERT INTO replicas (library, replica, user, first_seen, last_seen, acked_seq, max_seq, status, cursor_seq)
     VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?)
     ON CONFLICT (library, replica) DO UPDATE SET
       user = excluded.user, last_seen = excluded.last_seen, acked_seq = excluded.acked_seq,
       max_seq = excluded.max_seq, status = 'active', cursor_seq = excluded.cursor_seq, last_hash = NULL`,
    r.library,
    r.replica,
    r.user,
    r.now,
    r.now,
    r.ackedSeq,
    r.maxSeq,
    r.ackedSeq,
  );
}

export function touchReplica(sql: SqlStorage, o: ReplicaKey & { now: number }): void {
  sql.exec('UPDATE replicas SET last_seen = ? WHERE library = ? AND replica = ?', o.now, o.library, o.replica);
}

/** A `cursor`: acked and cursor seqs only move forward. */
export function setAcked(sql: SqlStorage, o: ReplicaKey & { serverSeq: number }): void {
  sql.exec(
    'UPDATE replicas SET acked_seq = MAX(acked_seq, ?), cursor_seq = MAX(cursor_seq, ?) WHERE library = ? AND replica = ?',
    o.serverSeq,
    o.serverSeq,
    o.library,
    o.replica,
  );
}

/**
 * What a stored push changes in its writer's row, in one statement (the push
 * path's hottest write): max_seq and the hash of its op there (as setMaxSeq),
 * and acked_seq. A stored push counts as seen by its writer when nothing lay between what
 * the writer had seen and its push: if its acked seq reached the head before
 * the push (`from - 1`), it now holds every op up to `to` (the push's own
 * ops, which took the server seqs from..to in one transaction, so no other
 * writer's op is among them). Otherwise acked_seq stays, and only the
 * writer's cursor can move it. Invariant kept: acked_seq never passes an op
 * the replica has not applied, so the horizon never does either; and every
 * other replica's op up to acked_seq is at or below cursor_seq (what
 * decide.ts relies on to resume a writer whose stored cursor is behind the
 * horizon). Without this, a library with one writer never compacted (issue 14).
 */
export function recordPush(sql: SqlStorage, o: ReplicaKey & { maxSeq: number; lastHash: string; from: number; to: number }): void {
  sql.exec(
    'UPDATE replicas SET max_seq = ?, last_hash = ?, acked_seq = CASE WHEN acked_seq >= ? THEN ? ELSE acked_seq END WHERE library = ? AND replica = ?',
    o.maxSeq,
    o.lastHash,
    o.from - 1,
    o.to,
    o.library,
    o.replica,
  );
}

/** The replica's highest stored seq, with the hash of its op there (the fork check at hello compares it). */
export function setMaxSeq(sql: SqlStorage, o: ReplicaKey & { maxSeq: number; lastHash: string | null }): void {
  sql.exec('UPDATE replicas SET max_seq = ?, last_hash = ? WHERE library = ? AND replica = ?', o.maxSeq, o.lastHash, o.library, o.replica);
}

/** Drop every replica of the library but one (used when a seed replaces an empty library). */
export function forgetOtherReplicas(sql: SqlStorage, keep: ReplicaKey): void {
  sql.exec('DELETE FROM replicas WHERE library = ? AND replica != ?', keep.library, keep.replica);
}

export function markTruant(sql: SqlStorage, key: ReplicaKey): void {
  sql.exec("UPDATE replicas SET status = 'truant' WHERE library = ? AND replica = ?", key.library, key.replica);
}

/** Active replicas not seen since `before`: the truancy candidates. */
export function staleReplicas(sql: SqlStorage, o: { library: string; before: number }): string[] {
  return sql
    .exec<{ replica: string }>("SELECT replica FROM replicas WHERE library = ? AND status = 'active' AND last_seen < ?", o.library, o.before)
    .map((row) => row.replica);
}

/** The lowest acked seq over active replicas, or undefined when there are none. */
export function minAckedSeq(sql: SqlStorage, library: string): number | undefined {
  const [row] = sql.exec<{ acked: number | null }>(
    "SELECT MIN(acked_seq) AS acked FROM replicas WHERE library = ? AND status = 'active'",
    library,
  );
  return row?.acked ?? undefined;
}

/** Active replicas that acked no further than `serverSeq`: with it the horizon, those holding it there. */
export function replicasAckedUpTo(sql: SqlStorage, o: { library: string; serverSeq: number }): Pick<ReplicaRow, 'replica' | 'last_seen'>[] {
  return sql.exec<Pick<ReplicaRow, 'replica' | 'last_seen'>>(
    "SELECT replica, last_seen FROM replicas WHERE library = ? AND status = 'active' AND acked_seq <= ?",
    o.library,
    o.serverSeq,
  );
}

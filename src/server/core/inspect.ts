/**
 * What an administrator sees of one library: its replicas (who, when last
 * seen, truant or not, how far) and its size (documents, ops, horizon,
 * bytes). Read-only; the same SQL on every adapter.
 */
import { libraryConnections } from './context.js';
import type { ServerContext } from './context.js';
import { readLibrary } from './libraries.js';
import type { ReplicaRow } from './replicas.js';
import type { LibraryInspection, ReplicaInspection } from './types.js';

/** Most replicas one inspection lists (the most recently seen first); `replicaCount` counts them all. */
export const MAX_INSPECTED_REPLICAS = 1000;

/** The library's inspection, or undefined when the server holds no row for it. */
export function inspectLibrary(ctx: ServerContext, library: string): LibraryInspection | undefined {
  const row = readLibrary(ctx.sql, library);
  if (row === undefined) return undefined;
  const count = (sql: string): number => ctx.sql.exec<{ n: number | null }>(sql, library)[0]?.n ?? 0;
  const [docs] = ctx.sql.exec<{ n: number }>(
    'SELECT COUNT(*) AS n FROM (SELECT collection, id FROM baselines WHERE library = ? UNION SELECT collection, id FROM ops WHERE library = ?)',
    library,
    library,
  );
  const opBytes = count('SELECT SUM(LENGTH(CAST(change AS BLOB))) AS n FROM ops WHERE library = ?');
  const baselineBytes = count('SELECT SUM(LENGTH(CAST(state AS BLOB))) AS n FROM baselines WHERE library = ?');
  return {
    library,
    epoch: row.epoch,
    headSeq: row.head_seq,
    horizon: row.horizon,
    createdAt: row.created_at,
    documents: docs?.n ?? 0,
    ops: count('SELECT COUNT(*) AS n FROM ops WHERE library = ?'),
    baselines: count('SELECT COUNT(*) AS n FROM baselines WHERE library = ?'),
    bytes: opBytes + baselineBytes,
    replicaCount: count('SELECT COUNT(*) AS n FROM replicas WHERE library = ?'),
    replicas: inspectReplicas(ctx, library),
  };
}

function inspectReplicas(ctx: ServerContext, library: string): ReplicaInspection[] {
  const connected = new Set(libraryConnections(ctx, library).map((conn) => conn.replicaId));
  const staleBefore = ctx.now() - ctx.truancyMs;
  const rows = ctx.sql.exec<ReplicaRow>('SELECT * FROM replicas WHERE library = ? ORDER BY last_seen DESC, replica LIMIT ?', library, MAX_INSPECTED_REPLICAS);
  return rows.map((row) => {
    const isConnected = connected.has(row.replica);
    // As sweepTruants decides: a connected replica never turns truant.
    const truant = row.status === 'truant' || (!isConnected && row.last_seen < staleBefore);
    return {
      replicaId: row.replica,
      user: row.user,
      firstSeen: row.first_seen,
      lastSeen: row.last_seen,
      truant,
      connected: isConnected,
      seq: row.max_seq,
      ackedSeq: row.acked_seq,
    };
  });
}

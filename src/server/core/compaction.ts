/**
 * The horizon and compaction. The horizon is the lowest acked seq (last
 * `cursor`) over the library's active replicas; a replica away longer than the
 * truancy window and not connected is marked truant first and stops holding it
 * back. Ops at or below the horizon are squashed into baselines with the same
 * merge the clients run, then deleted, a slice at a time (squash-slice.ts),
 * except the ops of a document too large for one baseline.
 */
import { libraryConnections } from './context.js';
import type { ServerContext } from './context.js';
import { readLibrary } from './libraries.js';
import type { LibraryRow } from './libraries.js';
import { send } from './outbox.js';
import { markTruant, minAckedSeq, replicasAckedUpTo, staleReplicas } from './replicas.js';
import { squashSlice } from './squash-slice.js';
import type { CompactionResult } from './types.js';

/** Marks the library's stale, disconnected replicas truant. */
export function sweepTruants(ctx: ServerContext, library: string): string[] {
  const connected = new Set(libraryConnections(ctx, library).map((conn) => conn.replicaId));
  const truants = staleReplicas(ctx.sql, { library, before: ctx.now() - ctx.truancyMs }).filter((replica) => !connected.has(replica));
  for (const replica of truants) {
    markTruant(ctx.sql, { library, replica });
    ctx.log('info', 'replica.truant', { library, replicaId: replica });
  }
  return truants;
}

/** Where the horizon may move now: min acked over active replicas (the head when there are none), never backwards. */
export function targetHorizon(ctx: ServerContext, library: string, row: LibraryRow | undefined = readLibrary(ctx.sql, library)): number {
  if (row === undefined) return 0;
  const acked = minAckedSeq(ctx.sql, library) ?? row.head_seq;
  return Math.max(row.horizon, Math.min(acked, row.head_seq));
}

/** See SyncServer.nextCompaction: connected replicas never turn truant, so only the others can free the horizon by time alone. */
export function nextCompaction(ctx: ServerContext, library: string): number | undefined {
  const row = readLibrary(ctx.sql, library);
  if (row === undefined || row.horizon >= row.head_seq) return undefined;
  if (targetHorizon(ctx, library) > row.horizon) return ctx.now();
  const connected = new Set(libraryConnections(ctx, library).map((conn) => conn.replicaId));
  const waiting = replicasAckedUpTo(ctx.sql, { library, serverSeq: row.horizon }).filter((r) => !connected.has(r.replica));
  // sweepTruants marks a replica once now - last_seen > truancyMs.
  return waiting.length === 0 ? undefined : Math.min(...waiting.map((r) => r.last_seen)) + ctx.truancyMs + 1;
}

/**
 * One compaction step: squash the next slice (at most limits.compactSliceOps
 * ops) toward the target horizon, in its own transaction. `more` says the
 * target is not reached yet; the caller schedules the next step after other
 * events (ctx.deferCompaction, or the adapter's loop), so a large backlog
 * never holds up other connections' frames. The live replicas learn the new
 * horizon once the target is reached.
 */
export function compactLibrary(ctx: ServerContext, library: string): CompactionResult {
  sweepTruants(ctx, library);
  const before = readLibrary(ctx.sql, library)?.horizon ?? 0;
  const target = targetHorizon(ctx, library);
  if (target <= before) return { library, horizon: before, squashed: 0, more: false };
  const slice = { library, after: before, upTo: target, maxOps: ctx.limits.compactSliceOps };
  const { horizon, squashed } = ctx.sql.transaction(() => squashSlice(ctx.sql, slice));
  const more = horizon < target;
  ctx.log('info', 'library.compacted', { library, horizon, squashed, more });
  if (!more) {
    for (const conn of libraryConnections(ctx, library)) {
      if (conn.phase === 'live') send(conn, { type: 'horizon', serverSeq: horizon });
    }
  }
  return { library, horizon, squashed, more };
}

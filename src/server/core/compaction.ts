/**
 * The horizon and compaction. The horizon is the lowest acked seq (last
 * `cursor`) over the library's active replicas; a replica away longer than the
 * truancy window and not connected is marked truant first and stops holding it
 * back. Ops at or below the horizon are squashed into baselines with the same
 * merge the clients run, then deleted.
 */
import type { Op } from '../../core/index.js';
import { applyOps, emptyDocState } from '../../merge/index.js';
import { readBaselineState, writeBaseline } from './baselines.js';
import { libraryConnections } from './context.js';
import type { ServerContext } from './context.js';
import { readLibrary, setHorizon } from './libraries.js';
import type { LibraryRow } from './libraries.js';
import { deleteOpsUpTo, streamOps } from './op-log.js';
import { send } from './outbox.js';
import { markTruant, minAckedSeq, replicasAckedUpTo, staleReplicas } from './replicas.js';
import type { CompactionResult } from './types.js';

/** Ops squashed per batch (one read, then one baseline write per touched document). */
const BATCH = 1000;

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

export function compactLibrary(ctx: ServerContext, library: string): CompactionResult {
  sweepTruants(ctx, library);
  const before = readLibrary(ctx.sql, library)?.horizon ?? 0;
  const horizon = targetHorizon(ctx, library);
  if (horizon <= before) return { library, horizon: before, squashed: 0 };
  const squashed = ctx.sql.transaction(() => squash(ctx, { library, horizon }));
  ctx.log('info', 'library.compacted', { library, horizon, squashed });
  for (const conn of libraryConnections(ctx, library)) {
    if (conn.phase === 'live') send(conn, { type: 'horizon', serverSeq: horizon });
  }
  return { library, horizon, squashed };
}

/** Inside a transaction: fold ops ≤ horizon into baselines, delete them, record the horizon. */
function squash(ctx: ServerContext, { library, horizon }: { library: string; horizon: number }): number {
  let batch: Op[] = [];
  let squashed = 0;
  const flush = (): void => {
    for (const [, ops] of groupByDocument(batch)) foldIntoBaseline(ctx, { library, ops });
    squashed += batch.length;
    batch = [];
  };
  for (const { op } of streamOps(ctx.sql, { library, after: 0, upTo: horizon })) {
    batch.push(op);
    if (batch.length >= BATCH) flush();
  }
  flush();
  deleteOpsUpTo(ctx.sql, { library, serverSeq: horizon });
  setHorizon(ctx.sql, { library, horizon });
  return squashed;
}

function groupByDocument(ops: readonly Op[]): Map<string, Op[]> {
  const groups = new Map<string, Op[]>();
  for (const op of ops) {
    const key = JSON.stringify([op.collection, op.id]);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [op]);
    else group.push(op);
  }
  return groups;
}

function foldIntoBaseline(ctx: ServerContext, { library, ops }: { library: string; ops: readonly Op[] }): void {
  const { collection, id } = ops[0] as Op;
  const state = readBaselineState(ctx.sql, { library, collection, id }) ?? emptyDocState;
  writeBaseline(ctx.sql, { library, collection, id, state: applyOps(state, ops) });
}

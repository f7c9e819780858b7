/**
 * Push: validate every op before writing anything, write the new ones in one
 * transaction with gap-free server seqs, then (after commit) ack.
 */
import { ErrorCode, sameOp } from '../../core/index.js';
import type { Op } from '../../core/index.js';
import { opHash } from '../../protocol/index.js';
import type { AckMessage, ServerOp } from '../../protocol/index.js';
import type { ConnectionState, Refusal } from './context.js';
import { readLibrary, setHead } from './libraries.js';
import { insertOps, readOwnOps } from './op-log.js';
import { opsAheadRefusal } from './clock-guard.js';
import { oversizedOpRefusal } from './size-guard.js';
import { refuse } from './outbox.js';
import { readReplica, recordPush } from './replicas.js';

export interface PushPlan {
  /** Ops the server does not hold yet, in seq order. */
  readonly fresh: readonly Op[];
  /** Re-sent ops the server already holds, with the server seqs they got then. */
  readonly duplicates: readonly ServerOp[];
}

/** What a stored push answers with: the duplicates' server seqs and the fresh ops' new ones. */
export interface StoredPush {
  readonly duplicates: readonly ServerOp[];
  readonly stored: readonly ServerOp[];
}

/**
 * planPush, then commitPush, in ONE transaction: the reads take SQLite's locks
 * together with the writes instead of in a transaction of their own before
 * them (~20 µs of the core's ~150 µs for a one-op push on better-sqlite3,
 * bench: propagation). A refused push writes nothing and commits an empty
 * transaction.
 */
export function storePush(conn: ConnectionState, ops: readonly Op[], frameLength?: number): StoredPush | Refusal {
  return conn.ctx.sql.transaction(() => {
    const plan = planPush(conn, ops, frameLength);
    if ('error' in plan) return plan;
    return { duplicates: plan.duplicates, stored: plan.fresh.length > 0 ? commitPush(conn, plan) : [] };
  });
}

/** Checks a push against the connection and the stored log. Reads only. */
export function planPush(conn: ConnectionState, ops: readonly Op[], frameLength?: number): PushPlan | Refusal {
  const { ctx } = conn;
  const replicaId = conn.replicaId as string;
  if (ops.length > ctx.limits.maxOpsPerPush) {
    return refuse(ErrorCode.SERVER_LIMIT_EXCEEDED, `A push holds at most ${ctx.limits.maxOpsPerPush} ops; split it.`, {
      details: { limit: ctx.limits.maxOpsPerPush, received: ops.length },
    });
  }
  const oversized = oversizedOpRefusal(ops, 'push', frameLength);
  if (oversized !== undefined) return oversized;
  const foreign = ops.findIndex((op) => op.replicaId !== replicaId);
  if (foreign >= 0) {
    return refuse(ErrorCode.SERVER_REPLICA_MISMATCH, `This connection pushes only ops of replica ${replicaId}.`, {
      details: { index: foreign, replicaId: ops[foreign]?.replicaId, expected: replicaId },
    });
  }
  const early = opsAheadRefusal(ctx, ops);
  if (early !== undefined) return early;
  const maxSeq = readReplica(ctx.sql, { library: conn.library, replica: replicaId })?.max_seq ?? 0;
  const gap = seqGap(ops, maxSeq);
  if (gap !== undefined) return gap;
  const first = (ops[0] as Op).seq;
  const toSeq = Math.min(maxSeq, first + ops.length - 1);
  const stored = first <= toSeq ? readOwnOps(ctx.sql, { library: conn.library, replica: replicaId, fromSeq: first, toSeq }) : [];
  const fork = stored.find((entry) => !sameOp(entry.op, ops[entry.op.seq - first] as Op));
  if (fork !== undefined) {
    return refuse(ErrorCode.FORK_DETECTED, `Op ${replicaId}#${fork.op.seq} differs from the one already stored; reset this replica.`, {
      details: { replicaId, seq: fork.op.seq },
    });
  }
  return { fresh: ops.filter((op) => op.seq > maxSeq), duplicates: stored };
}

/** Seqs must be contiguous and start at most one past what the server holds. */
function seqGap(ops: readonly Op[], maxSeq: number): Refusal | undefined {
  const first = (ops[0] as Op).seq;
  if (first > maxSeq + 1) {
    return refuse(ErrorCode.SERVER_SEQ_GAP, `The server holds this replica's ops up to seq ${maxSeq}; push from seq ${maxSeq + 1}.`, {
      details: { expected: maxSeq + 1, received: first },
    });
  }
  const broken = ops.findIndex((op, i) => op.seq !== first + i);
  if (broken < 0) return undefined;
  return refuse(ErrorCode.SERVER_SEQ_GAP, 'The ops of a push must have contiguous seqs in ascending order.', {
    details: { index: broken, expected: first + broken, received: ops[broken]?.seq },
  });
}

/** Writes the fresh ops; returns them with their server seqs. Inside the transaction of storePush. */
export function commitPush(conn: ConnectionState, plan: PushPlan): ServerOp[] {
  const { ctx } = conn;
  const replicaId = conn.replicaId as string;
  const library = readLibrary(ctx.sql, conn.library);
  if (library === undefined) throw new Error(`library ${conn.library} vanished during a push`);
  const entries = plan.fresh.map((op, i) => ({ serverSeq: library.head_seq + 1 + i, op }));
  insertOps(ctx.sql, { library: conn.library, entries });
  const last = entries[entries.length - 1];
  if (last !== undefined) {
    setHead(ctx.sql, { library: conn.library, headSeq: last.serverSeq });
    // In the push's transaction: acked_seq moves with the head it depends on (see recordPush).
    recordPush(ctx.sql, { library: conn.library, replica: replicaId, maxSeq: last.op.seq, lastHash: opHash(last.op), from: library.head_seq + 1, to: last.serverSeq });
  }
  return entries;
}

/** One ack per run of ops with contiguous seqs and contiguous server seqs. */
export function ackRuns(replicaId: string, entries: readonly ServerOp[]): AckMessage[] {
  const acks: AckMessage[] = [];
  for (const { serverSeq, op } of entries) {
    const run = acks[acks.length - 1];
    if (run !== undefined && op.seq === run.toSeq + 1 && serverSeq === run.firstServerSeq + (op.seq - run.fromSeq)) {
      acks[acks.length - 1] = { ...run, toSeq: op.seq };
    } else {
      acks.push({ type: 'ack', replicaId, fromSeq: op.seq, toSeq: op.seq, firstServerSeq: serverSeq });
    }
  }
  return acks;
}

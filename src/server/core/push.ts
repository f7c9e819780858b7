/**
 * Push: validate every op before writing anything, write the new ones in one
 * transaction with gap-free server seqs, then (after commit) ack.
 */
import { ErrorCode, sameOp } from '../../core/index.js';
import type { Op } from '../../core/index.js';
import { opHash } from '../../protocol/index.js';
import type { AckMessage, ServerOp } from '../../protocol/index.js';
import type { ConnectionState, Refusal } from './context.js';
import type { LibraryDocs } from './doc-cache.js';
import { judgePush } from './judge-push.js';
import type { JudgedPush } from './judge-push.js';
import { readLibrary, setHead } from './libraries.js';
import type { LibraryRow } from './libraries.js';
import { insertOps, readOwnOps } from './op-log.js';
import { opsAheadRefusal } from './clock-guard.js';
import { oversizedOpRefusal } from './size-guard.js';
import { refuse } from './outbox.js';
import { insertRejections, readRejections } from './rejections.js';
import type { Rejection, RejectionRow } from './rejections.js';
import { readReplica, recordPush } from './replicas.js';

export interface PushPlan {
  /** Ops the server does not hold yet, in seq order. */
  readonly fresh: readonly Op[];
  /** Re-sent ops the server already holds, with the server seqs they got then. */
  readonly duplicates: readonly ServerOp[];
  /** Re-sent ops the server rejected before (rejections.ts): rejected again, as they were. */
  readonly resent?: readonly RejectionRow[];
}

/** What a stored push answers with: the duplicates' server seqs, the fresh ops' new ones, and what was rejected. */
export interface StoredPush {
  readonly duplicates: readonly ServerOp[];
  readonly stored: readonly ServerOp[];
  /** Fresh ops the schema or a rule refused, and re-sent ops refused before. */
  readonly rejected?: readonly RejectionRow[];
  /** The library's documents as the push left them (only when the server has a schema or rules). */
  readonly docs?: LibraryDocs;
}

/**
 * planPush, then commitPush, in ONE transaction: the reads take SQLite's locks
 * together with the writes instead of in a transaction of their own before
 * them (~20 µs of the core's ~150 µs for a one-op push on better-sqlite3,
 * bench: propagation). A refused push writes nothing and commits an empty
 * transaction.
 */
export function storePush(conn: ConnectionState, ops: readonly Op[], frameLength?: number): StoredPush | Refusal {
  const { ctx } = conn;
  const authority = ctx.authority;
  let judged: { docs: LibraryDocs; push: JudgedPush; head: number } | undefined;
  const result = ctx.sql.transaction((): StoredPush | Refusal => {
    const plan = planPush(conn, ops, frameLength);
    if ('error' in plan) return plan;
    const resent = plan.resent ?? [];
    if (authority === undefined && resent.length === 0) {
      return { duplicates: plan.duplicates, stored: plan.fresh.length > 0 ? commitPush(conn, plan) : [] };
    }
    const library = readLibrary(ctx.sql, conn.library) as LibraryRow;
    const docs = ctx.docs.forLibrary({ library: conn.library, epoch: library.epoch, head: library.head_seq });
    const push = authority === undefined ? { accepted: plan.fresh, rejected: [], states: new Map() } : judgePush(conn, { authority, docs, fresh: plan.fresh });
    const stored = plan.fresh.length > 0 ? commitPush(conn, { ...plan, accepted: push.accepted, rejected: push.rejected }) : [];
    judged = { docs, push, head: library.head_seq + stored.length };
    return { duplicates: plan.duplicates, stored, rejected: [...resent, ...push.rejected.map(rejectionRow)], docs };
  });
  // After the commit only: a failed transaction leaves the cache as storage is.
  if (judged !== undefined && !('error' in result)) judged.docs.remember({ head: judged.head, states: judged.push.states });
  return result;
}

const rejectionRow = ({ op, code, message }: Rejection): RejectionRow => ({ seq: op.seq, hash: opHash(op), collection: op.collection, id: op.id, code, message });

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
  if (fork !== undefined) return forkRefusal(replicaId, fork.op.seq);
  // Held seqs missing from the log: rejected (rejections.ts), or squashed into baselines by compaction.
  const resent = first <= toSeq && stored.length < toSeq - first + 1 ? readRejections(ctx.sql, { library: conn.library, replica: replicaId, fromSeq: first, toSeq }) : [];
  const forked = resent.find((row) => row.hash !== opHash(ops[row.seq - first] as Op));
  if (forked !== undefined) return forkRefusal(replicaId, forked.seq);
  return { fresh: ops.filter((op) => op.seq > maxSeq), duplicates: stored, resent };
}

function forkRefusal(replicaId: string, seq: number): Refusal {
  return refuse(ErrorCode.FORK_DETECTED, `Op ${replicaId}#${seq} differs from the one already stored; reset this replica.`, {
    details: { replicaId, seq },
  });
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

/**
 * Writes the fresh ops; returns them with their server seqs. Inside the transaction of storePush.
 * With `accepted`/`rejected` (a judged push), only the accepted ops enter the log, at contiguous server
 * seqs, and the rejected ones are recorded as rejected; the replica's max_seq passes both, so its seqs
 * stay gap-free as the server counts them.
 */
export function commitPush(conn: ConnectionState, plan: PushPlan & { accepted?: readonly Op[]; rejected?: readonly Rejection[] }): ServerOp[] {
  const { ctx } = conn;
  const replicaId = conn.replicaId as string;
  const library = readLibrary(ctx.sql, conn.library);
  if (library === undefined) throw new Error(`library ${conn.library} vanished during a push`);
  const entries = (plan.accepted ?? plan.fresh).map((op, i) => ({ serverSeq: library.head_seq + 1 + i, op }));
  insertOps(ctx.sql, { library: conn.library, entries });
  if (plan.rejected !== undefined && plan.rejected.length > 0) insertRejections(ctx.sql, { library: conn.library, rejected: plan.rejected });
  const lastOp = plan.fresh[plan.fresh.length - 1];
  if (lastOp !== undefined) {
    const head = library.head_seq + entries.length;
    if (entries.length > 0) setHead(ctx.sql, { library: conn.library, headSeq: head });
    // In the push's transaction: acked_seq moves with the head it depends on (see recordPush).
    recordPush(ctx.sql, { library: conn.library, replica: replicaId, maxSeq: lastOp.seq, lastHash: opHash(lastOp), from: library.head_seq + 1, to: head });
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

/**
 * Rows of `rejections`: own ops of a replica that the server refused (schema
 * or rule). The seq stays used (the replica's max_seq passes it) while
 * nothing enters the op log or a baseline; the row lets the server answer a
 * re-sent op, and resend its `reject` to a replica that may not have seen it,
 * until the replica's hello says it has (`ackedSeq`).
 */
import type { DocState, Op } from '../../core/index.js';
import { encodeMessage, opHash, utf8Length } from '../../protocol/index.js';
import type { RejectMessage } from '../../protocol/index.js';
import type { SqlStorage } from './types.js';

export interface RejectionRow {
  readonly seq: number;
  readonly hash: string;
  readonly collection: string;
  readonly id: string;
  readonly code: string;
  readonly message: string;
}

export interface Rejection {
  readonly op: Op;
  readonly code: string;
  readonly message: string;
}

export function insertRejections(sql: SqlStorage, o: { library: string; rejected: readonly Rejection[] }): void {
  for (const { op, code, message } of o.rejected) {
    sql.exec(
      'INSERT OR REPLACE INTO rejections (library, replica, seq, hash, collection, id, code, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      o.library,
      op.replicaId,
      op.seq,
      opHash(op),
      op.collection,
      op.id,
      code,
      message,
    );
  }
}

/** The replica's rejected seqs in [fromSeq, toSeq], in seq order. */
export function readRejections(sql: SqlStorage, o: { library: string; replica: string; fromSeq: number; toSeq: number }): RejectionRow[] {
  return sql.exec<RejectionRow>(
    'SELECT seq, hash, collection, id, code, message FROM rejections WHERE library = ? AND replica = ? AND seq BETWEEN ? AND ? ORDER BY seq',
    o.library,
    o.replica,
    o.fromSeq,
    o.toSeq,
  );
}

/** The replica said it has handled its rejections up to `seq`: they need not be resent. */
export function forgetRejections(sql: SqlStorage, o: { library: string; replica: string; throughSeq: number }): void {
  sql.exec('DELETE FROM rejections WHERE library = ? AND replica = ? AND seq <= ?', o.library, o.replica, o.throughSeq);
}

/**
 * The `reject` for a row, with the document's state now. The state is left
 * out when the frame would not fit (`maxFrameBytes`): the writer then only
 * drops its op (see RejectSchema).
 */
export function rejectMessage(o: { replicaId: string; row: Omit<RejectionRow, 'hash'>; state: DocState; maxFrameBytes: number }): RejectMessage {
  const { row } = o;
  const bare: RejectMessage = { type: 'reject', replicaId: o.replicaId, seq: row.seq, collection: row.collection, id: row.id, code: row.code, message: row.message };
  const full: RejectMessage = { ...bare, state: o.state };
  return utf8Length(encodeMessage(full)) <= o.maxFrameBytes ? full : bare;
}

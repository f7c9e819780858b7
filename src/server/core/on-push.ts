/** push → validate all, write in one transaction, then (after the commit) fan out, ack and reject. */
import type { PushMessage, ServerMessage } from '../../protocol/index.js';
import type { ConnectionState, Outcome } from './context.js';
import type { LibraryDocs } from './doc-cache.js';
import { send } from './outbox.js';
import { ackRuns, storePush } from './push.js';
import { rejectMessage } from './rejections.js';
import type { RejectionRow } from './rejections.js';
import { fanOut } from './stream.js';
import { scopeRefusal } from './replica-query.js';

/** `frameLength`: the push frame's length in UTF-16 code units, when it came as text (see opsFitFrame). */
export function onPush(conn: ConnectionState, push: PushMessage, frameLength?: number): Outcome {
  // Outside the token's scope: refused whole, before anything is read or stored (replica-query.ts).
  const outside = scopeRefusal(conn, push.ops);
  if (outside !== undefined) return outside;
  const result = storePush(conn, push.ops, frameLength);
  if ('error' in result) return result;
  const { duplicates, stored, rejected = [], docs } = result;
  // The other replicas first: their users see the ops once the frame lands, while the pusher's user already
  // sees them (local-first) and the ack only settles its pending count. Both come after the commit; nothing
  // orders frames across connections. In one browser, both frames queue in one network process: ops first
  // cut push → ops at tab B by ~0.3 ms and delayed the ack by as much (bench: propagation).
  fanOut(conn, stored);
  const acks = ackRuns(conn.replicaId as string, [...duplicates, ...stored]);
  if (rejected.length === 0) {
    for (const ack of acks) send(conn, ack);
  } else {
    // In seq order: when a reject arrives, every earlier op of the replica is acknowledged or rejected.
    const answers: { seq: number; message: ServerMessage }[] = acks.map((ack) => ({ seq: ack.fromSeq, message: ack }));
    for (const row of rejected) answers.push({ seq: row.seq, message: rejection(conn, { row, docs: docs as LibraryDocs }) });
    for (const { message } of answers.sort((a, b) => a.seq - b.seq)) send(conn, message);
  }
  conn.ctx.log('debug', 'push.stored', {
    connection: conn.id,
    library: conn.library,
    replicaId: conn.replicaId,
    stored: stored.length,
    duplicates: duplicates.length,
    rejected: rejected.length,
  });
  return undefined;
}

/** Protocol 5 and later: a `reject` with the document as it is now. Older clients read only an `error` (their push then blocks until they reconnect). */
export function rejection(conn: ConnectionState, o: { row: RejectionRow; docs: LibraryDocs }): ServerMessage {
  const { row } = o;
  const replicaId = conn.replicaId as string;
  if (conn.protocol !== undefined && conn.protocol < 5) {
    return { type: 'error', code: row.code, message: row.message, details: { replicaId, seq: row.seq, collection: row.collection, id: row.id } };
  }
  const state = o.docs.read(conn.ctx.sql, row);
  return rejectMessage({ replicaId, row, state, maxFrameBytes: conn.ctx.limits.maxFrameBytes });
}

/** join: after a reset the client continues as a new replica, starting from the complete snapshot. */
import { ErrorCode } from '../../core/index.js';
import type { JoinMessage } from '../../protocol/index.js';
import type { ConnectionState, Outcome } from './context.js';
import { readLibrary } from './libraries.js';
import { refuse, send, sendBurst } from './outbox.js';
import { registerReplica, replicaIdInUse } from './replicas.js';
import { sendSnapshot } from './stream.js';
import type { Claims } from './types.js';

export function onJoin(conn: ConnectionState, join: JoinMessage): Outcome {
  const { ctx } = conn;
  const library = readLibrary(ctx.sql, conn.library);
  if (library === undefined) throw new Error(`library ${conn.library} has no row after hello`);
  const { user } = conn.claims as Claims;
  // Any user: a known id would let one user lock another's replica out (AUTH_REPLICA_FORBIDDEN), and its
  // first push would collide with the ops stored under it. Nothing is changed; the connection may join again.
  if (join.replicaId === conn.replicaId || replicaIdInUse(ctx.sql, { library: conn.library, replica: join.replicaId })) {
    return refuse(ErrorCode.SYNC_REPLICA_ID_IN_USE, 'join needs a replica id new to this library (this one is registered or has ops here); generate a fresh one and join again.', {
      details: { replicaId: join.replicaId },
    });
  }
  // The snapshot holds everything up to the head, so the new replica has acked it.
  registerReplica(ctx.sql, { library: conn.library, replica: join.replicaId, user, now: ctx.now(), ackedSeq: library.head_seq, maxSeq: 0 });
  ctx.log('info', 'replica.joined', { connection: conn.id, library: conn.library, replicaId: join.replicaId, previous: conn.replicaId });
  conn.replicaId = join.replicaId;
  sendBurst(conn, () => {
    sendSnapshot(conn, library);
    send(conn, { type: 'synced', serverSeq: library.head_seq });
  });
  conn.phase = 'live';
  return undefined;
}

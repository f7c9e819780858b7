/**
 * A resumed replica may have missed the `reject` of some of its ops (the
 * connection closed first). Before its decision, the server resends every
 * rejection past the seq the hello says the replica has handled (`ackedSeq`),
 * and forgets those at or below it. Before the decision: the replica rolls
 * them back before the decision acknowledges its seqs up to max_seq.
 */
import type { HelloMessage } from '../../protocol/index.js';
import type { ConnectionState } from './context.js';
import { readLibrary } from './libraries.js';
import { rejection } from './on-push.js';
import { send } from './outbox.js';
import { forgetRejections, readRejections } from './rejections.js';
import type { ReplicaRow } from './replicas.js';

export function resendRejections(conn: ConnectionState, o: { hello: HelloMessage; replica: ReplicaRow | undefined }): void {
  const { ctx } = conn;
  const { hello, replica } = o;
  // Clients before protocol 5 send no ackedSeq and cannot read a reject; a replica with no seqs has none.
  if (hello.ackedSeq === undefined || replica === undefined || replica.max_seq <= hello.ackedSeq) {
    if (hello.ackedSeq !== undefined && replica !== undefined) forgetRejections(ctx.sql, { library: conn.library, replica: replica.replica, throughSeq: hello.ackedSeq });
    return;
  }
  const key = { library: conn.library, replica: replica.replica };
  forgetRejections(ctx.sql, { ...key, throughSeq: hello.ackedSeq });
  const rows = readRejections(ctx.sql, { ...key, fromSeq: hello.ackedSeq + 1, toSeq: replica.max_seq });
  if (rows.length === 0) return;
  const library = readLibrary(ctx.sql, conn.library);
  if (library === undefined) return;
  const docs = ctx.docs.forLibrary({ library: conn.library, epoch: library.epoch, head: library.head_seq });
  for (const row of rows) send(conn, rejection(conn, { row, docs }));
  ctx.log('info', 'push.rejections-resent', { connection: conn.id, library: conn.library, replicaId: replica.replica, count: rows.length });
}

/**
 * Failover: a replica that synced with a peer of this server (its cursor names that server, protocol 5)
 * resumes here without a reset. Each server keeps its own epoch and server seqs; this one accepts the
 * peer's epoch through its checkpoints (peer-checkpoints.ts): the cursor is translated to this server's
 * seq at the latest checkpoint at or below it, and the hello goes on as if that cursor were this
 * server's. A replica registered only on the peer (this server knows it from the peer's vector, under
 * the same user) is registered here at that point, holding what this server holds of its ops; its
 * home stays the peer (the earlier registration wins, replica-heads.ts). Without a checkpoint (never
 * replicated from that peer, or a cursor older than the first checkpoint) nothing changes: the other
 * epoch resets the replica, as before.
 */
import type { HelloMessage } from '../../protocol/index.js';
import type { ConnectionState } from './context.js';
import { readLibrary } from './libraries.js';
import { translateCursor } from './peer-checkpoints.js';
import { readReplica, registerReplica, setMaxSeq } from './replicas.js';

/** The hello with its cursor translated to this server's seqs, when a peer issued it and a checkpoint covers it. */
export function translateHello(conn: ConnectionState, o: { hello: HelloMessage; user: string }): HelloMessage {
  const { ctx } = conn;
  const { hello } = o;
  const cursor = hello.cursor;
  if (cursor === null || cursor.serverId === undefined || cursor.serverId === ctx.serverId) return hello;
  const library = readLibrary(ctx.sql, conn.library);
  if (library === undefined) return hello;
  const serverSeq = translateCursor(ctx.sql, { library: conn.library, server: cursor.serverId, epoch: cursor.epoch, serverSeq: cursor.serverSeq });
  if (serverSeq === undefined) return hello;
  ctx.log('info', 'hello.failover', { connection: conn.id, library: conn.library, replicaId: hello.replicaId, from: cursor.serverId, peerSeq: cursor.serverSeq, serverSeq });
  adoptReplica(conn, { replica: hello.replicaId, user: o.user, serverSeq });
  return { ...hello, cursor: { epoch: library.epoch, serverSeq, serverId: ctx.serverId } };
}

/** Registers here a replica a peer registered (same user), holding what this server holds of it, seen up to `serverSeq`. */
function adoptReplica(conn: ConnectionState, o: { replica: string; user: string; serverSeq: number }): void {
  const { sql } = conn.ctx;
  const key = { library: conn.library, replica: o.replica };
  if (readReplica(sql, key) !== undefined) return;
  const [told] = sql.exec<{ user: string; seq: number; hash: string | null }>('SELECT user, seq, hash FROM replica_heads WHERE library = ? AND replica = ?', conn.library, o.replica);
  // Another user's replica id is refused by the hello as usual; an unknown one is a late joiner.
  if (told === undefined || told.user !== o.user) return;
  sql.transaction(() => {
    registerReplica(sql, { ...key, user: o.user, now: conn.ctx.now(), ackedSeq: o.serverSeq, maxSeq: told.seq });
    setMaxSeq(sql, { ...key, maxSeq: told.seq, lastHash: told.hash });
  });
}

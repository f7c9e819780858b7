/**
 * Forks between servers (the same replicaId and seq, two op hashes). The version of the replica's
 * home server is kept (replica-heads.ts says which home wins). The losing server drops its version
 * and everything the replica wrote after it from its log, records the server seqs its replicas may
 * have received them under (refused-ranges.ts: only a replica whose cursor lies there resets, to a
 * snapshot without them; the others resume and never see them), and takes the kept ops from the
 * keeper, which sends them from the fork on. The forked replica itself learns of the fork at its
 * next hello on either server (the decision's `fork`).
 */
import { CloseCode } from '../../protocol/index.js';
import type { PeerReplica } from '../../protocol/peer.js';
import { libraryConnections } from './context.js';
import type { ConnectionState, PeerLink } from './context.js';
import { recordFork } from './forks.js';
import { readLibrary } from './libraries.js';
import { recordRefusedRange } from './refused-ranges.js';
import { readOwnOps } from './op-log.js';
import { closeConnection } from './outbox.js';
import { sendPeer } from './peer-link.js';
import { combine } from './replica-heads.js';
import type { ForkRecord } from './types.js';
import { opHash } from '../../protocol/index.js';

/** From the two vectors: forks where this server holds the replica at least as far as the other side. Returns the replicas to send from the fork on. */
export function checkVectorForks(conn: ConnectionState, o: { mine: ReadonlyMap<string, PeerReplica>; theirs: ReadonlyMap<string, PeerReplica> }): Map<string, number> {
  const resend = new Map<string, number>();
  for (const told of o.theirs.values()) {
    const held = o.mine.get(told.replicaId);
    if (held === undefined || told.seq === 0 || held.seq < told.seq || told.hash === null) continue;
    const mine = held.seq === told.seq ? held.hash : hashAt(conn, told.replicaId, told.seq);
    if (mine === null || mine === told.hash) continue;
    const fork = decideFork(conn, { replica: combine(held, told), seq: told.seq, mine, theirs: told.hash });
    if (fork.kept.server === conn.ctx.serverId) resend.set(told.replicaId, told.seq);
  }
  return resend;
}

/** Records the fork, tells the other side, and drops this server's version when it loses. */
export function decideFork(conn: ConnectionState, o: { replica: PeerReplica; seq: number; mine: string; theirs: string }): ForkRecord {
  const { ctx } = conn;
  const link = conn.peer as PeerLink;
  const remote = link.remote?.serverId ?? 'unknown';
  // The home's version wins; a home that is neither side: the version held here stays until the home's arrives.
  const keepTheirs = o.replica.home === remote;
  const me = { hash: o.mine, server: ctx.serverId };
  const them = { hash: o.theirs, server: remote };
  const fork: ForkRecord = { library: conn.library, replicaId: o.replica.replicaId, seq: o.seq, kept: keepTheirs ? them : me, refused: keepTheirs ? me : them, at: ctx.now() };
  if (recordFork(ctx.sql, fork)) {
    ctx.log('warn', 'replication.fork', { ...fork });
    sendPeer(conn, { type: 'peer-fork', replicaId: fork.replicaId, seq: fork.seq, kept: fork.kept, refused: fork.refused });
  }
  if (keepTheirs) dropForked(conn, { replica: o.replica.replicaId, fromSeq: o.seq });
  return fork;
}

/** The other side found a fork: record it; when this side keeps its version, send it from the fork on. */
export function onPeerFork(conn: ConnectionState, fork: Omit<ForkRecord, 'library' | 'at'>): void {
  const { ctx } = conn;
  const record: ForkRecord = { library: conn.library, replicaId: fork.replicaId, seq: fork.seq, kept: fork.kept, refused: fork.refused, at: ctx.now() };
  if (recordFork(ctx.sql, record)) ctx.log('warn', 'replication.fork', { ...record });
  if (fork.refused.server === ctx.serverId) dropForked(conn, { replica: fork.replicaId, fromSeq: fork.seq });
  if (fork.kept.server !== ctx.serverId) return;
  const ops = readOwnOps(ctx.sql, { library: conn.library, replica: fork.replicaId, fromSeq: fork.seq, toSeq: Number.MAX_SAFE_INTEGER }).map((entry) => entry.op);
  if (ops.length > 0) sendPeer(conn, { type: 'peer-ops', ops });
}

/** This server lost the fork: its ops of the replica from `fromSeq` leave the log; replicas that may hold them reset at their next hello. */
function dropForked(conn: ConnectionState, o: { replica: string; fromSeq: number }): void {
  const { ctx } = conn;
  const library = conn.library;
  const dropped = ctx.sql.transaction(() => {
    const [row] = ctx.sql.exec<{ n: number; first: number | null }>('SELECT COUNT(*) AS n, MIN(server_seq) AS first FROM ops WHERE library = ? AND replica = ? AND seq >= ?', library, o.replica, o.fromSeq);
    ctx.sql.exec('DELETE FROM ops WHERE library = ? AND replica = ? AND seq >= ?', library, o.replica, o.fromSeq);
    const before = o.fromSeq - 1;
    const hash = before === 0 ? null : hashAt(conn, o.replica, before);
    ctx.sql.exec('UPDATE replica_heads SET seq = ?, hash = ? WHERE library = ? AND replica = ? AND seq > ?', before, hash, library, o.replica, before);
    ctx.sql.exec('UPDATE replicas SET max_seq = ?, last_hash = ? WHERE library = ? AND replica = ? AND max_seq > ?', before, hash, library, o.replica, before);
    const head = readLibrary(ctx.sql, library)?.head_seq ?? 0;
    if ((row?.n ?? 0) > 0 && row?.first != null) recordRefusedRange(ctx.sql, { library, fromSeq: row.first, toSeq: head });
    return row?.n ?? 0;
  });
  if (dropped === 0) return;
  ctx.docs.drop(library);
  ctx.log('warn', 'replication.fork-dropped', { library, replicaId: o.replica, fromSeq: o.fromSeq, ops: dropped });
  // Live replicas may hold the dropped ops: each says its cursor again, and decide.ts resets those in the refused range.
  for (const other of libraryConnections(ctx, library)) {
    if (other.peer === undefined) closeConnection(other, { code: CloseCode.GOING_AWAY, reason: 'library history changed by a fork' });
  }
}

function hashAt(conn: ConnectionState, replica: string, seq: number): string | null {
  const [entry] = readOwnOps(conn.ctx.sql, { library: conn.library, replica, fromSeq: seq, toSeq: seq });
  return entry === undefined ? null : opHash(entry.op);
}

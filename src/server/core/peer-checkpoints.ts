/**
 * Checkpoints for failover: while this server replicates from a peer, it records the peer's server
 * seq against its own (peer_checkpoints: peer_seq -> seq, per peer epoch), so a replica that synced
 * with the peer resumes here from a cursor the peer issued (failover.ts).
 *
 * A checkpoint (p -> s) promises: every op this server holds at a server seq <= s is one the peer held
 * at a seq <= p. A replica whose cursor on the peer is c >= p holds all of those, so it resumes here
 * from s: nothing is missed, and what it already holds of the ops after s is skipped by its store,
 * which dedupes by (replicaId, seq). The promise holds while every op stored here since the link's
 * first checkpoint came over that link: `checkpointHead` is this server's head after its last store
 * from the link, and any other store (a replica's push, another peer, a fork or a gap) leaves the head
 * elsewhere and ends checkpoints on this link (the last one recorded stays valid). A link starts
 * clean only when the head is 0 or the last checkpoint of the same peer and epoch.
 */
import type { ConnectionState } from './context.js';
import { readLibrary } from './libraries.js';
import type { SqlStorage } from './types.js';

/** At the peer's hello: may this link record checkpoints (nothing stored here since the last one)? */
export function startCheckpoints(conn: ConnectionState): void {
  const link = conn.peer;
  const epoch = link?.remote?.epoch;
  if (link === undefined || epoch == null) return;
  const head = readLibrary(conn.ctx.sql, conn.library)?.head_seq ?? 0;
  const server = link.remote?.serverId ?? '';
  const last = lastCheckpoint(conn.ctx.sql, { library: conn.library, server, epoch });
  link.checkpointHead = head === 0 || head === last ? head : undefined;
  // Holding nothing, this server may resume any cursor of the peer from 0 (sending all it will hold).
  if (head === 0) insertCheckpoint(conn.ctx.sql, { library: conn.library, server, epoch, peerSeq: 0, seq: 0 });
}

/**
 * After this link stored ops (or none): `before`/`after` are the head around the store, `clean` false
 * when ops were skipped (a gap or a fork). `through`: the peer's server seq all of whose ops are now here.
 */
export function advanceCheckpoint(conn: ConnectionState, o: { before: number; after: number; clean: boolean; through?: number | undefined }): void {
  const link = conn.peer;
  const epoch = link?.remote?.epoch;
  if (link === undefined || epoch == null || link.checkpointHead === undefined) return;
  if (link.checkpointHead !== o.before || !o.clean) {
    link.checkpointHead = undefined;
    conn.ctx.log('info', 'replication.checkpoints-ended', { connection: conn.id, library: conn.library, peer: link.remote?.serverId });
    return;
  }
  link.checkpointHead = o.after;
  if (o.through === undefined) return;
  insertCheckpoint(conn.ctx.sql, { library: conn.library, server: link.remote?.serverId ?? '', epoch, peerSeq: o.through, seq: o.after });
}

function insertCheckpoint(sql: SqlStorage, o: { library: string; server: string; epoch: string; peerSeq: number; seq: number }): void {
  sql.exec('INSERT OR REPLACE INTO peer_checkpoints (library, server, epoch, peer_seq, seq) VALUES (?, ?, ?, ?, ?)', o.library, o.server, o.epoch, o.peerSeq, o.seq);
}

/** This server's seq for a cursor the peer `server` issued under `epoch`: the latest checkpoint at or below it, if any. */
export function translateCursor(sql: SqlStorage, o: { library: string; server: string; epoch: string; serverSeq: number }): number | undefined {
  const [row] = sql.exec<{ seq: number }>(
    'SELECT seq FROM peer_checkpoints WHERE library = ? AND server = ? AND epoch = ? AND peer_seq <= ? ORDER BY peer_seq DESC LIMIT 1',
    o.library,
    o.server,
    o.epoch,
    o.serverSeq,
  );
  return row?.seq;
}

function lastCheckpoint(sql: SqlStorage, o: { library: string; server: string; epoch: string }): number | undefined {
  const [row] = sql.exec<{ seq: number }>('SELECT seq FROM peer_checkpoints WHERE library = ? AND server = ? AND epoch = ? ORDER BY peer_seq DESC LIMIT 1', o.library, o.server, o.epoch);
  return row?.seq;
}

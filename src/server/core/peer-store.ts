/**
 * Storing what a peer sent: ops (in the exchange and live) and baselines. Deduplicated by
 * (replicaId, seq): an op held with the same hash is skipped; with another hash it is a fork
 * (peer-forks.ts). Ops from `peer-ops` must continue their replica's head (gap-free); the ops of a
 * baseline exchange, and a baseline's writes (each entry of a merge state is an op), are stored
 * when not held, and the heads move only with the peer-heads that follow. Stored ops get this
 * server's next server seqs and go to its replicas and its other peers like a push.
 */
import type { Baseline, Op } from '../../core/index.js';
import { opHash } from '../../protocol/index.js';
import type { ServerOp } from '../../protocol/index.js';
import type { PeerReplica } from '../../protocol/peer.js';
import type { ConnectionState } from './context.js';
import { ensureLibrary, setHead } from './libraries.js';
import { insertOps, readOwnOps } from './op-log.js';
import { advanceCheckpoint } from './peer-checkpoints.js';
import { decideFork } from './peer-forks.js';
import { raiseHead, readVector } from './replica-heads.js';
import { fanOut } from './stream.js';

export type PeerStoreMode = 'ops' | 'baselines';

/**
 * Each (replicaId, seq) once, in first-seen order, keeping the last copy: a baseline frame can carry a
 * write both in a baseline's entries and among the ops (the op, unpruned, comes later), and the log
 * holds each write once (storing both failed the log's unique key).
 */
function unique(ops: readonly Op[]): Iterable<Op> {
  const byKey = new Map<string, Op>();
  for (const op of ops) byKey.set(`${op.replicaId}#${op.seq}`, op);
  return byKey.values();
}

/** `through`: on a live frame, the sender's server seq of its last op (a checkpoint, peer-checkpoints.ts). */
export function storePeerOps(conn: ConnectionState, o: { ops: readonly Op[]; mode: PeerStoreMode; through?: number | undefined }): ServerOp[] {
  const { ctx } = conn;
  const forks: { replica: PeerReplica; seq: number; mine: string; theirs: string }[] = [];
  let gaps = 0;
  let before = 0;
  const stored = ctx.sql.transaction(() => {
    const library = ensureLibrary(ctx.sql, { library: conn.library, epoch: ctx.createId(), now: ctx.now() });
    before = library.head_seq;
    const vector = readVector(ctx.sql, { library: conn.library, serverId: ctx.serverId });
    const entries: ServerOp[] = [];
    for (const op of unique(o.ops)) {
      const held = vector.get(op.replicaId);
      const head = held?.seq ?? 0;
      const [existing] = readOwnOps(ctx.sql, { library: conn.library, replica: op.replicaId, fromSeq: op.seq, toSeq: op.seq });
      if (existing !== undefined || op.seq <= head) {
        const theirs = opHash(op);
        // A baseline's entry may differ from the op it came from (pruned): only ops are compared.
        if (o.mode === 'ops' && existing !== undefined && held !== undefined && opHash(existing.op) !== theirs) forks.push({ replica: held, seq: op.seq, mine: opHash(existing.op), theirs });
        continue;
      }
      if (o.mode === 'ops' && op.seq !== head + 1) {
        gaps++;
        continue;
      }
      entries.push({ serverSeq: library.head_seq + 1 + entries.length, op });
      if (o.mode === 'ops') {
        raiseHead(ctx.sql, { library: conn.library, replica: op.replicaId, seq: op.seq, hash: opHash(op), home: held?.home ?? conn.peer?.remote?.serverId ?? '' });
        vector.set(op.replicaId, { ...(held ?? { replicaId: op.replicaId, user: '', home: '', firstSeen: 0 }), seq: op.seq, hash: null });
      }
    }
    insertOps(ctx.sql, { library: conn.library, entries });
    if (entries.length > 0) setHead(ctx.sql, { library: conn.library, headSeq: library.head_seq + entries.length });
    return entries;
  });
  if (gaps > 0) ctx.log('warn', 'replication.gap', { connection: conn.id, library: conn.library, skipped: gaps });
  advanceCheckpoint(conn, { before, after: before + stored.length, clean: gaps === 0 && forks.length === 0, through: o.through });
  for (const fork of forks) decideFork(conn, fork);
  if (stored.length > 0) {
    ctx.docs.drop(conn.library);
    fanOut(conn, stored);
  }
  return stored;
}


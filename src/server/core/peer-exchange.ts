/**
 * The exchange: once the other side's vector is complete, send what it lacks. Per replica in seq
 * order from the other's head, gap-free, when this server still holds every such op; otherwise
 * (ops squashed behind the horizon, or seqs rejected here) the library's baselines and every op
 * still held, then the heads they cover. Sent in one go (sendBurst), then peer-synced: no live op
 * interleaves, and every op stored after it is forwarded live (peer-forward.ts).
 */
import type { Op } from '../../core/index.js';
import { cutFrames, jsonBytes } from '../../protocol/index.js';
import { peerFrameBytes } from '../../protocol/peer-codec.js';
import type { PeerHead, PeerReplica } from '../../protocol/peer.js';
import { streamSizedBaselines, countBaselines } from './baselines.js';
import type { ConnectionState, PeerLink } from './context.js';
import { checkVectorForks } from './peer-forks.js';
import { sendPeer } from './peer-link.js';
import { countOps, readOwnOps, streamOps } from './op-log.js';
import { sendBurst } from './outbox.js';
import { readLibrary } from './libraries.js';
import { readVector } from './replica-heads.js';
import type { SqlStorage } from './types.js';

/** A replica the other side lacks ops of, after its head. */
interface Lack {
  readonly replicaId: string;
  readonly after: number;
  readonly upTo: number;
}

export function sendExchange(conn: ConnectionState): void {
  const link = conn.peer as PeerLink;
  const { ctx } = conn;
  // Forks first: a replica this server keeps is sent from the fork on; one it lost left its log (read the vector again).
  const resend = checkVectorForks(conn, { mine: readVector(ctx.sql, { library: conn.library, serverId: ctx.serverId }), theirs: link.theirs });
  const mine = readVector(ctx.sql, { library: conn.library, serverId: ctx.serverId });
  const lacks: Lack[] = [];
  for (const held of mine.values()) {
    const fork = resend.get(held.replicaId);
    const after = fork === undefined ? (link.theirs.get(held.replicaId)?.seq ?? 0) : fork - 1;
    if (held.seq > after) lacks.push({ replicaId: held.replicaId, after, upTo: held.seq });
  }
  sendBurst(conn, () => {
    if (lacks.every((lack) => holdsAll(ctx.sql, { library: conn.library, lack }))) sendOps(conn, lacks);
    else sendBaselines(conn, { lacks, mine });
    // Every op held here up to this head is now with the other side (peer-checkpoints.ts).
    const head = readLibrary(ctx.sql, conn.library)?.head_seq;
    sendPeer(conn, head === undefined ? { type: 'peer-synced' } : { type: 'peer-synced', through: head });
  });
  link.live = true;
  for (const id of mine.keys()) link.announced.add(id);
  ctx.log('info', 'replication.exchange', { connection: conn.id, library: conn.library, peer: link.remote?.serverId, replicas: lacks.length });
}

/** Every seq in (after, upTo] is an op in the log (none squashed or rejected). */
function holdsAll(sql: SqlStorage, o: { library: string; lack: Lack }): boolean {
  const [row] = sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM ops WHERE library = ? AND replica = ? AND seq > ? AND seq <= ?', o.library, o.lack.replicaId, o.lack.after, o.lack.upTo);
  return (row?.n ?? 0) === o.lack.upTo - o.lack.after;
}

function* lackedOps(conn: ConnectionState, lacks: readonly Lack[]): Generator<Op> {
  // A page per replica at a time: a replica's ops in seq order, replica after replica.
  for (const lack of lacks) {
    for (let from = lack.after + 1; from <= lack.upTo; from += 500) {
      const page = readOwnOps(conn.ctx.sql, { library: conn.library, replica: lack.replicaId, fromSeq: from, toSeq: Math.min(lack.upTo, from + 499) });
      for (const entry of page) yield entry.op;
    }
  }
}

function sendOps(conn: ConnectionState, lacks: readonly Lack[]): void {
  const total = lacks.reduce((sum, lack) => sum + lack.upTo - lack.after, 0);
  if (total === 0) return;
  const envelopeBytes = peerFrameBytes({ type: 'peer-ops', ops: [], progress: { received: total, total } });
  let received = 0;
  for (const ops of cutFrames(lackedOps(conn, lacks), { envelopeBytes, budgetBytes: conn.ctx.limits.chunkBytes, sizeOf: jsonBytes })) {
    received += ops.length;
    sendPeer(conn, { type: 'peer-ops', ops, progress: { received, total } });
  }
}

type BaselineItem = { readonly baseline: import('../../core/index.js').Baseline; readonly bytes: number } | { readonly op: Op };

function* baselineItems(conn: ConnectionState): Generator<BaselineItem> {
  yield* streamSizedBaselines(conn.ctx.sql, conn.library);
  for (const entry of streamOps(conn.ctx.sql, { library: conn.library, after: 0 })) yield { op: entry.op };
}

/** Behind this server's horizon: every baseline and every op held, then the heads they cover. */
function sendBaselines(conn: ConnectionState, o: { lacks: readonly Lack[]; mine: ReadonlyMap<string, PeerReplica> }): void {
  const { sql, limits } = conn.ctx;
  const total = countBaselines(sql, conn.library) + countOps(sql, { library: conn.library, after: 0 });
  const envelopeBytes = peerFrameBytes({ type: 'peer-baselines', baselines: [], ops: [], progress: { received: total, total } });
  const sizeOf = (item: BaselineItem) => ('bytes' in item ? item.bytes : jsonBytes(item.op));
  let received = 0;
  for (const items of cutFrames(baselineItems(conn), { envelopeBytes, budgetBytes: limits.chunkBytes, sizeOf })) {
    received += items.length;
    const baselines = items.flatMap((item) => ('baseline' in item ? [item.baseline] : []));
    const ops = items.flatMap((item) => ('op' in item ? [item.op] : []));
    sendPeer(conn, { type: 'peer-baselines', baselines, ops, progress: { received, total } });
  }
  const heads: PeerHead[] = o.lacks.map((lack) => ({ replicaId: lack.replicaId, seq: lack.upTo, hash: o.mine.get(lack.replicaId)?.hash ?? null }));
  const headBytes = peerFrameBytes({ type: 'peer-heads', heads: [] });
  for (const group of cutFrames(heads, { envelopeBytes: headBytes, budgetBytes: limits.chunkBytes, sizeOf: jsonBytes })) sendPeer(conn, { type: 'peer-heads', heads: group });
}

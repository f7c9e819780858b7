/**
 * Live replication: every op this server stores (a replica's push, the server API, or another
 * peer's ops) goes to each live peer link of the library but the one it came from. In a ring an op
 * comes back; the receiver skips it as held (peer-store.ts), so nothing loops further.
 */
import { cutFrames, jsonBytes } from '../../protocol/index.js';
import type { ServerOp } from '../../protocol/index.js';
import { peerFrameBytes } from '../../protocol/peer-codec.js';
import { libraryConnections } from './context.js';
import type { ConnectionState } from './context.js';
import { sendPeer, sendVector } from './peer-link.js';
import { readVector } from './replica-heads.js';

const ENVELOPE_BYTES = peerFrameBytes({ type: 'peer-ops', ops: [], through: Number.MAX_SAFE_INTEGER });

export function forwardOps(from: ConnectionState, entries: readonly ServerOp[]): void {
  if (entries.length === 0) return;
  const links = libraryConnections(from.ctx, from.library).filter((conn) => conn !== from && conn.peer?.live === true && conn.phase !== 'closed');
  if (links.length === 0) return;
  const ops = entries.map((entry) => entry.op);
  const groups = [...cutFrames(entries, { envelopeBytes: ENVELOPE_BYTES, budgetBytes: from.ctx.limits.chunkBytes, sizeOf: (entry) => jsonBytes(entry.op) })];
  for (const link of links) {
    announce(link, ops);
    // `through`: this server's seq of the group's last op; every op stored here before it went to this link already.
    for (const group of groups) sendPeer(link, { type: 'peer-ops', ops: group.map((entry) => entry.op), through: (group.at(-1) as ServerOp).serverSeq });
  }
}

/** System data first: a replica's registration precedes its first op on a link. */
function announce(link: ConnectionState, ops: readonly { replicaId: string }[]): void {
  const announced = link.peer?.announced as Set<string>;
  const unknown = new Set(ops.map((op) => op.replicaId).filter((id) => !announced.has(id)));
  if (unknown.size === 0) return;
  const vector = readVector(link.ctx.sql, { library: link.library, serverId: link.ctx.serverId });
  const replicas = [...unknown].flatMap((id) => {
    const held = vector.get(id);
    // Registrations only: the head travels with the ops.
    return held === undefined ? [] : [{ ...held, seq: 0, hash: null }];
  });
  sendVector(link, replicas);
}

/**
 * A connection with another server (see protocol/peer.ts for the exchange): how it starts on
 * either side, and how peer messages are sent. The dialing side greets at once; the accepting
 * side answers the other's peer-hello with its own.
 */
import { PROTOCOL_VERSION, cutFrames, jsonBytes } from '../../protocol/index.js';
import { encodePeerMessage, peerFrameBytes } from '../../protocol/peer-codec.js';
import type { PeerMessage, PeerReplica } from '../../protocol/peer.js';
import type { ConnectionState, PeerLink } from './context.js';
import type { SavedPeerLink } from './types.js';
import { readLibrary, listLibraries } from './libraries.js';
import { sendFrame } from './outbox.js';
import { isRegistered, readVector } from './replica-heads.js';
import { MAX_PEER_LIBRARIES } from '../../protocol/peer.js';

export function createPeerLink(o: { dialer: boolean; onLibraries?: (libraries: readonly string[]) => void }): PeerLink {
  return {
    dialer: o.dialer,
    remote: undefined,
    greeted: false,
    theirs: new Map(),
    vectorDone: false,
    live: false,
    announced: new Set(),
    synced: false,
    onLibraries: o.onLibraries,
  };
}

/** The flags a hibernating Durable Object keeps in the socket's attachment (a few dozen bytes). */
export function savePeerLink(link: PeerLink): SavedPeerLink {
  const { dialer, greeted, vectorDone, live, synced } = link;
  return { dialer, remote: link.remote ?? null, greeted, vectorDone, live, synced };
}

/**
 * A link as saved. `announced` starts empty: a replica's registration is sent again before its
 * next forwarded op, which the receiver records idempotently. `theirs` is not kept, so a link saved
 * between the other's first peer-vector and its last cannot resume (isResumable).
 */
export function restorePeerLink(saved: SavedPeerLink): PeerLink {
  const link = createPeerLink({ dialer: saved.dialer });
  return { ...link, remote: saved.remote ?? undefined, greeted: saved.greeted, vectorDone: saved.vectorDone, live: saved.live, synced: saved.synced };
}

/** A restored link can go on unless the other side's vector was arriving (its part held in memory is lost). */
export function isResumable(link: PeerLink): boolean {
  return link.vectorDone || link.remote === undefined;
}

export function sendPeer(conn: ConnectionState, message: PeerMessage): void {
  sendFrame(conn, encodePeerMessage(message));
}

/** Our peer-hello, then our vector (registrations and heads: system data, before any op). Once per link. */
export function greet(conn: ConnectionState): void {
  const link = conn.peer as PeerLink;
  if (link.greeted) return;
  link.greeted = true;
  const { ctx } = conn;
  const epoch = readLibrary(ctx.sql, conn.library)?.epoch ?? null;
  const libraries = listLibraries(ctx.sql).slice(0, MAX_PEER_LIBRARIES);
  sendPeer(conn, { type: 'peer-hello', protocol: PROTOCOL_VERSION, serverId: ctx.serverId, epoch, libraries });
  sendVector(conn, [...readVector(ctx.sql, { library: conn.library, serverId: ctx.serverId }).values()]);
}

/** Registrations in peer-vector frames under the chunk budget; the last says done. */
export function sendVector(conn: ConnectionState, all: readonly PeerReplica[]): void {
  const link = conn.peer as PeerLink;
  // A replica whose ops came before its registration has none to state (the peer would refuse the frame): left out,
  // the peer sends its ops again (deduplicated) and its registration once it has one.
  const replicas = all.filter(isRegistered);
  const envelopeBytes = peerFrameBytes({ type: 'peer-vector', replicas: [], done: false });
  const groups = [...cutFrames(replicas, { envelopeBytes, budgetBytes: conn.ctx.limits.chunkBytes, sizeOf: jsonBytes })];
  if (groups.length === 0) groups.push([]);
  groups.forEach((group, i) => {
    for (const replica of group) link.announced.add(replica.replicaId);
    sendPeer(conn, { type: 'peer-vector', replicas: group, done: i === groups.length - 1 });
  });
}

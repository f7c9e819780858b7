/** Frames on a peer link (either side): decode as a peer message, then dispatch. */
import { ErrorCode, unexpectedCase } from '../../core/index.js';
import { CloseCode, PROTOCOL_VERSION } from '../../protocol/index.js';
import type { Frame } from '../../protocol/index.js';
import { decodePeerMessage } from '../../protocol/peer-codec.js';
import type { PeerMessage } from '../../protocol/peer.js';
import type { ConnectionState, Outcome, PeerLink } from './context.js';
import { refuse } from './outbox.js';
import { sendExchange } from './peer-exchange.js';
import { onPeerFork } from './peer-forks.js';
import { greet, sendPeer } from './peer-link.js';
import { listLibraries, readLibrary } from './libraries.js';
import { advanceCheckpoint, startCheckpoints } from './peer-checkpoints.js';
import { MAX_PEER_LIBRARIES } from '../../protocol/peer.js';
import { storePeerOps } from './peer-store.js';
import { baselineAsOps } from '../../protocol/index.js';
import { raiseHead, recordRegistration } from './replica-heads.js';

/** Replica messages a `server` token may not send. */
const REPLICA_TYPES = new Set(['hello', 'seed', 'push', 'cursor', 'join', 'presence']);

export function onPeerFrame(conn: ConnectionState, frame: Frame): Outcome {
  const decoded = decodePeerMessage(frame);
  if (!decoded.ok) {
    if (REPLICA_TYPES.has(typeOf(frame) ?? '')) return serverCannotSync();
    return { error: decoded.error };
  }
  return onPeerMessage(conn, decoded.value);
}

function onPeerMessage(conn: ConnectionState, message: PeerMessage): Outcome {
  const link = conn.peer as PeerLink;
  switch (message.type) {
    case 'peer-hello':
      if (message.serverId === conn.ctx.serverId) return refuse(ErrorCode.SERVER_PEER_SELF, 'This server dialed itself: remove its own URL from its peers.', { close: CloseCode.POLICY_VIOLATION });
      // A peer-hello again on a greeted link asks for the libraries held now (peering.ts polls its directory link).
      if (link.remote !== undefined && link.greeted) {
        // Only the accepting side answers, so two hellos never bounce back and forth.
        if (!link.dialer) sendPeer(conn, { type: 'peer-hello', protocol: PROTOCOL_VERSION, serverId: conn.ctx.serverId, epoch: null, libraries: listLibraries(conn.ctx.sql).slice(0, MAX_PEER_LIBRARIES) });
        link.onLibraries?.(message.libraries);
        return undefined;
      }
      link.remote = { serverId: message.serverId, epoch: message.epoch };
      conn.ctx.log('info', 'replication.hello', { connection: conn.id, library: conn.library, peer: message.serverId });
      startCheckpoints(conn);
      greet(conn);
      link.onLibraries?.(message.libraries);
      return undefined;
    case 'peer-vector':
      if (link.remote === undefined) return refuse(ErrorCode.PROTOCOL_UNEXPECTED_MESSAGE, 'Send peer-hello before peer-vector.');
      conn.ctx.sql.transaction(() => {
        for (const replica of message.replicas) {
          recordRegistration(conn.ctx.sql, { library: conn.library, replica });
          if (!link.vectorDone) link.theirs.set(replica.replicaId, replica);
        }
      });
      if (message.done && !link.vectorDone) {
        link.vectorDone = true;
        sendExchange(conn);
      }
      return undefined;
    case 'peer-ops':
      storePeerOps(conn, { ops: message.ops, mode: 'ops', through: message.through });
      return undefined;
    case 'peer-baselines':
      storePeerOps(conn, { ops: [...message.baselines.flatMap(baselineAsOps), ...message.ops], mode: 'baselines' });
      return undefined;
    case 'peer-heads':
      conn.ctx.sql.transaction(() => {
        for (const head of message.heads) raiseHead(conn.ctx.sql, { library: conn.library, replica: head.replicaId, seq: head.seq, hash: head.hash, home: link.remote?.serverId ?? '' });
      });
      return undefined;
    case 'peer-synced': {
      link.synced = true;
      const head = readLibrary(conn.ctx.sql, conn.library)?.head_seq ?? 0;
      advanceCheckpoint(conn, { before: head, after: head, clean: true, through: message.through });
      conn.ctx.log('info', 'replication.synced', { connection: conn.id, library: conn.library, peer: link.remote?.serverId });
      return undefined;
    }
    case 'peer-fork':
      onPeerFork(conn, message);
      return undefined;
    case 'error':
      conn.ctx.log('warn', 'replication.refused', { connection: conn.id, library: conn.library, code: message.code, message: message.message });
      return undefined;
    default:
      return unexpectedCase(message);
  }
}

export function serverCannotSync(): NonNullable<Outcome> {
  return refuse(ErrorCode.AUTH_SERVER_TOKEN, 'A server token replicates between servers and cannot sync as a replica; use a read or write token.', { close: CloseCode.AUTH_INVALID });
}

export function replicaCannotReplicate(): NonNullable<Outcome> {
  return refuse(ErrorCode.AUTH_REPLICA_TOKEN, 'Only a token of role server may replicate; a replica token syncs with hello.', { close: CloseCode.AUTH_INVALID });
}

/** The `type` of a frame's JSON object, if any (only on frames that failed to decode). */
export function typeOf(frame: Frame): string | undefined {
  if (typeof frame !== 'string') return undefined;
  try {
    const value = JSON.parse(frame) as { type?: unknown } | null;
    return typeof value?.type === 'string' ? value.type : undefined;
  } catch {
    return undefined;
  }
}

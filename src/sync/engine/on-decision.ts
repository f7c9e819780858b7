/**
 * The decision (accept, resume or reset) and what follows it on the
 * client: the seed, the fork check of a resume, and the consent flow of a
 * reset (join-required, join(), the join message).
 */
import { ErrorCode, unexpectedCase } from '../../core/index.js';
import { highestSeq, opHash, seedChunks } from '../../protocol/index.js';
import type { DecisionMessage } from '../../protocol/index.js';
import type { JoinReason } from '../types.js';
import type { StoredEvent } from './events.js';
import type { Session } from './session.js';
import { withLink, withPhase, withState } from './session.js';
import { refuseOtherLibrary } from './on-connection.js';
import { next, type Step } from './next.js';

export function onDecision(s: Session, message: DecisionMessage): Step {
  const decided = withLink(s, { epoch: message.epoch, serverId: message.serverId, reason: message.decision === 'reset' ? message.reason : undefined, holds: message.query ?? {} });
  const fork = message.fork;
  // A fork between servers under this replica id: only the copy whose op at fork.seq differs from the kept one lost it.
  // A store that never wrote that seq is neither copy; a forked one already asks for its reset.
  if (fork !== undefined && !s.forked && s.otherLibrary === undefined && (s.link.localSeq ?? 0) >= fork.seq) {
    return next(decided, { type: 'store', call: { kind: 'read-own-op', seq: fork.seq, hash: fork.hash, decision: message } });
  }
  return followDecision(decided, message);
}

function followDecision(decided: Session, message: DecisionMessage): Step {
  const s = decided;
  // A store of another library is never seeded or resumed here (see onLocalRead).
  if (s.otherLibrary !== undefined && message.decision !== 'reset') return refuseOtherLibrary(decided, s.otherLibrary);
  switch (message.decision) {
    case 'accept':
      return next(decided, { type: 'store', call: { kind: 'export-history' } });
    case 'resume':
      return onResume(decided, message);
    case 'reset': {
      // A forked replica asked for this reset (the server only saw a hello without a cursor); or the server
      // holds more of this replica's ops than its store ever had: another copy (or the original of a
      // restored backup) wrote under this id.
      const behind = message.replicaSeq > (s.link.localSeq ?? Infinity);
      const reason: JoinReason = s.forked || behind ? 'fork' : message.reason;
      return next(withLink(decided, { reason }), { type: 'store', call: { kind: 'count-at-risk', then: 'reset', reason } });
    }
    default:
      return unexpectedCase(message);
  }
}

/**
 * The server holds this replica's ops up to replicaSeq. Those past what the
 * store records as acknowledged are acknowledged now, but only once the
 * store's op at replicaSeq hashes as the server's does: a copied profile
 * (same replica id, other ops) must not mark its own ops as stored.
 */
function onResume(s: Session, message: Extract<DecisionMessage, { decision: 'resume' }>): Step {
  const { replicaSeq } = message;
  if (replicaSeq === 0) return next(s);
  const hash = message.replicaHash ?? null;
  const acked = s.acked?.replicaId === s.replicaId ? (s.acked?.seq ?? 0) : 0;
  // No hash: a row stored before hashes were kept; trusted as before.
  if (replicaSeq > acked && hash !== null) return next(s, { type: 'store', call: { kind: 'read-own-op', seq: replicaSeq, hash } });
  return next(s, { type: 'store', call: { kind: 'acknowledge', ack: { fromSeq: 1, toSeq: replicaSeq }, then: 'resume' } });
}

export function onOwnOpRead(s: Session, e: Extract<StoredEvent, { call: { kind: 'read-own-op' } }>): Step {
  const { seq, hash, decision } = e.call;
  if (decision !== undefined) {
    // No op there (compacted away): this store cannot be told from the kept copy, so it follows the decision.
    if (e.value === undefined || opHash(e.value) === hash) return followDecision(s, decision);
    return next(s, { type: 'store', call: { kind: 'unacknowledge', replicaId: s.replicaId as string, fromSeq: seq } });
  }
  if (e.value !== undefined && opHash(e.value) === hash) {
    return next(s, { type: 'store', call: { kind: 'acknowledge', ack: { fromSeq: 1, toSeq: seq }, then: 'resume' } });
  }
  return forked(s, `The server holds another op under this replica's seq ${seq}: this store was copied (or restored) and both copies wrote. Join again to continue under a new replica id; your changes are archived.`);
}

/**
 * This store lost a fork between servers: its own ops from the fork seq are at risk again (counted, and
 * archived by the reset, though a server had acknowledged them); then the consent flow as for any fork.
 */
export function onUnacknowledged(s: Session, e: Extract<StoredEvent, { call: { kind: 'unacknowledge' } }>): Step {
  const { fromSeq } = e.call;
  return forked(s, `This replica id forked between two servers at seq ${fromSeq}: the other copy's writes were kept. Join again to continue under a new replica id; your writes from there on are archived.`);
}

/**
 * The replica forked: nothing of this connection is acknowledged or pushed.
 * Reconnect without a cursor, so the server decides a reset; the consent flow
 * then moves this store to a new replica id and archives its divergent ops.
 */
export function forked(s: Session, message: string): Step {
  const stopped = withLink({ ...s, forked: true }, { pushBlocked: true, pushing: false });
  return next(withState(stopped, { error: { code: ErrorCode.FORK_DETECTED, message } }), { type: 'reconnect' });
}

export function onExported(s: Session, e: Extract<StoredEvent, { call: { kind: 'export-history' } }>): Step {
  const history = e.value;
  const me = s.replicaId;
  // Only what the seed carries is acknowledged by it; writes made meanwhile are pushed after.
  // The server registers the seeder's highest seq with the same rule (ops and baselines count).
  const upTo = me === undefined ? 0 : highestSeq(history, me);
  const seeding = withLink(s, { seeded: history.ops, seededUpTo: upTo });
  return next(seeding, ...seedChunks(history).map((message) => ({ type: 'send' as const, message })));
}

export function onAtRiskCounted(s: Session, e: Extract<StoredEvent, { call: { kind: 'count-at-risk' } }>, current: boolean): Step {
  const atRisk = e.value;
  if (e.call.then === 'refresh') {
    const joinRequired = s.state.joinRequired;
    return next(s.state.phase === 'join-required' && joinRequired ? withState(s, { joinRequired: { ...joinRequired, atRisk } }) : s);
  }
  if (!current) return next(s);
  // A join() still waiting is the user's consent: a connection lost mid-join does not ask again.
  if (s.joinWaiters > 0) return startJoin(s, 'user');
  if (s.autoJoin === 'always' || (s.autoJoin === 'when-nothing-at-risk' && atRisk === 0)) return startJoin(s, 'auto');
  return next(withPhase(s, 'join-required', { joinRequired: { reason: e.call.reason ?? s.link.reason ?? 'late-joiner', atRisk } }));
}

/** The app's join(): consent, used now if this connection waits for it, else by the next reset decision. */
export function onJoin(s: Session): Step {
  const waiting = { ...s, joinWaiters: s.joinWaiters + 1 };
  return s.state.phase === 'join-required' && s.open ? startJoin(waiting, 'user') : next(waiting);
}

function startJoin(s: Session, consent: 'user' | 'auto'): Step {
  const resetting = withPhase({ ...s, consent }, 'resetting', { progress: { received: 0, total: 0 } });
  return next(resetting, { type: 'store', call: { kind: 'new-replica-id' } });
}

export function onIdCreated(s: Session, e: Extract<StoredEvent, { call: { kind: 'new-replica-id' } }>): Step {
  const joining = withLink(s, { joiningAs: e.value, snapshot: [] });
  return next(joining, { type: 'send', message: { type: 'join', replicaId: e.value } });
}

/**
 * Own ops out: one push in flight at a time, acknowledged by `ack`; a refused
 * push blocks pushing until the next connection (or, for a fork, leads to the
 * consent flow). Also what the store says about pending ops.
 */
import { ErrorCode } from '../../core/index.js';
import type { Op } from '../../core/index.js';
import type { AckMessage, ErrorMessage } from '../../protocol/index.js';
import type { StoredEvent } from './events.js';
import { afterSeedAcknowledged } from './on-stream.js';
import { onPump } from './pump.js';
import { refuseBeyondLocal, seqBeyondLocal } from './beyond-local-seq.js';
import { forked } from './on-decision.js';
import { refuseOutdated } from './on-connection.js';
import type { Session } from './session.js';
import { withLink, withState } from './session.js';
import { next, type Step } from './next.js';

export function onAck(s: Session, message: AckMessage): Step {
  const { fromSeq, toSeq, firstServerSeq } = message;
  // The store acknowledges its current id's seqs: an ack naming another id acknowledges nothing here.
  if (message.replicaId !== s.replicaId) return next(s);
  const beyond = seqBeyondLocal(s, message);
  if (beyond !== undefined) return refuseBeyondLocal(s, { message, seq: beyond });
  const through = s.link.pushedThrough;
  const answers = s.link.pushing && through !== undefined && toSeq >= through.seq;
  return next(s, { type: 'store', call: { kind: 'acknowledge', ack: { fromSeq, toSeq, firstServerSeq }, then: answers ? 'push' : 'ack' } });
}

/** The store recorded an acknowledgement (durably, whatever happened to the connection meanwhile). */
export function onAcknowledged(s: Session, e: Extract<StoredEvent, { call: { kind: 'acknowledge' } }>, current: boolean): Step {
  const replicaId = s.replicaId;
  const known = s.acked?.replicaId === replicaId ? (s.acked?.seq ?? 0) : 0;
  const acked: Session = replicaId === undefined ? s : { ...s, acked: { replicaId, seq: Math.max(known, e.call.ack.toSeq) } };
  if (!current) return next(acked);
  if (e.call.then === 'push') return onPump(withLink(acked, { pushing: false }));
  if (e.call.then === 'seed') return afterSeedAcknowledged(acked, e.call.serverSeq ?? 0);
  return next(acked);
}

/** Fresh ids tried per connection when a join's id is taken; each one colliding again is a broken id generator. */
const MAX_ID_RETRIES = 3;

export function onError(s: Session, message: ErrorMessage): Step {
  if (message.code === ErrorCode.SYNC_JOIN_REQUIRED) return next(s);
  if (message.code === ErrorCode.SYNC_SCHEMA_OUTDATED) return refuseOutdated(s, message);
  if (message.code === ErrorCode.SYNC_REPLICA_ID_IN_USE && s.link.joiningAs !== undefined) {
    // Nothing was changed by the refused join: the consent still holds, so join again under another id.
    const refused = (s.link.idsRefused ?? 0) + 1;
    if (refused <= MAX_ID_RETRIES) return next(withLink(s, { joiningAs: undefined, idsRefused: refused }), { type: 'store', call: { kind: 'new-replica-id' } });
  }
  let out = withState(s, { error: { code: message.code, message: message.message } });
  // A refused presence is no answer to the push in flight.
  if (s.link.pushing && !message.code.startsWith('PRESENCE_')) {
    // The server holds other ops under this replica's seqs: only a new replica id gets out of it.
    if (message.code === ErrorCode.FORK_DETECTED) {
      const rejected = rejectJoins(out, message);
      const fork = forked(rejected.session, message.message);
      return next(fork.session, ...rejected.effects, ...fork.effects);
    }
    // The server refused our push; retrying the same ops cannot succeed.
    out = withLink(out, { pushing: false, pushBlocked: true });
  }
  return rejectJoins(out, message);
}

function rejectJoins(s: Session, message: ErrorMessage): Step {
  if (s.joinWaiters === 0) return next(s);
  return next({ ...s, joinWaiters: 0 }, { type: 'settle-joins', error: { code: message.code, message: message.message } });
}

/** This instance committed own ops: they count as pending at once (see withPending). */
export function onCommitted(s: Session, ops: readonly Op[]): Step {
  const [first, last] = [ops[0], ops.at(-1)];
  if (first === undefined || last === undefined) return next(s);
  const same = s.localFirst?.replicaId === first.replicaId;
  const localFirst = same ? s.localFirst : { replicaId: first.replicaId, seq: first.seq };
  return next({ ...s, localFirst, localTop: { replicaId: last.replicaId, seq: last.seq } });
}

export const onPending = (s: Session, count: number): Step => next({ ...s, live: count });

/** Pending changed while a join is asked for: the count at risk may have too. */
export function onRefreshAtRisk(s: Session): Step {
  if (s.state.phase !== 'join-required') return next(s);
  return next(s, { type: 'store', call: { kind: 'count-at-risk', then: 'refresh' } });
}

/**
 * The server rejected an own op (its schema or a write rule): the store rolls
 * it back, the seq counts as handled (as an ack would make it), and the app is
 * told (`sync.rejections`) once the store shows the corrected document. A
 * reject that reaches the push's last op ends the push in flight, as its ack
 * would have.
 */
import type { RejectMessage } from '../../protocol/index.js';
import type { StoredEvent } from './events.js';
import { next, type Step } from './next.js';
import { onPump } from './pump.js';
import { refuseBeyondLocal, seqBeyondLocal } from './beyond-local-seq.js';
import type { Session } from './session.js';
import { withLink } from './session.js';

export function onReject(s: Session, message: RejectMessage): Step {
  // The store rolls back its current id's ops: a reject naming another id concerns nothing here.
  if (message.replicaId !== s.replicaId) return next(s);
  const beyond = seqBeyondLocal(s, message);
  if (beyond !== undefined) {
    // Resent before the decision (resend-rejections.ts), it is another copy's op under this id (a restored
    // backup): the decision that follows says the server holds more than this store (a fork). Dropped.
    if (s.link.epoch === undefined) return next(s);
    return refuseBeyondLocal(s, { message, seq: beyond });
  }
  const through = s.link.pushedThrough;
  const answers = s.link.pushing && through !== undefined && message.seq >= through.seq;
  return next(s, { type: 'store', call: { kind: 'roll-back', rejection: message, then: answers ? 'push' : 'none' } });
}

/** The store rolled the op back (durably, whatever happened to the connection meanwhile). */
export function onRolledBack(s: Session, e: Extract<StoredEvent, { call: { kind: 'roll-back' } }>, current: boolean): Step {
  const { rejection } = e.call;
  const replicaId = s.replicaId;
  const known = s.acked?.replicaId === replicaId ? (s.acked?.seq ?? 0) : 0;
  const acked: Session = replicaId === undefined || replicaId !== rejection.replicaId ? s : { ...s, acked: { replicaId, seq: Math.max(known, rejection.seq) } };
  const { collection, id, code, message } = rejection;
  // Told even when the store no longer held the op (a resent reject after a crash): the app may not have heard of it.
  const told = { type: 'rejected' as const, rejection: { collection, id, code, message } };
  if (!current || e.call.then !== 'push') return next(acked, told);
  const pumped = onPump(withLink(acked, { pushing: false }));
  return next(pumped.session, told, ...pumped.effects);
}

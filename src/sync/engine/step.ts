/**
 * The client sync engine as a pure function: `step(session, event)` returns
 * the next session and the effects the shell must carry out (frames to send,
 * store calls to make, state to publish, joins to settle). No I/O, no clock,
 * no randomness beyond what events carry: the property tests drive it with
 * any interleaving of events (test/property/engine.test.ts). The shell is
 * ../engine.ts; the handlers mirror the server's on-*.ts.
 */
import { unexpectedCase } from '../../core/index.js';
import { next, type Step } from './next.js';
import type { EngineEvent, StoredEvent } from './events.js';
import { onClosed, onOpened, onReport, onStart, onStop, onHelloRead, onLocalRead } from './on-connection.js';
import { onDecision, onExported, onOwnOpRead, onUnacknowledged, onAtRiskCounted, onIdCreated, onJoin } from './on-decision.js';
import { onAcknowledged, onAck, onCommitted, onError, onPending, onRefreshAtRisk } from './on-push.js';
import { onPump, onUnacknowledgedRead } from './pump.js';
import { onApplied, onHorizon, onMetaWritten, onOps, onReset, onSnapshot, onSynced } from './on-stream.js';
import { onTick } from './cursors.js';
import { onSetQuery } from './on-query.js';
import { onReject, onRolledBack } from './on-reject.js';
import type { Session } from './session.js';
import { withPending } from './session.js';


export type { Step } from './next.js';

export function step(session: Session, event: EngineEvent): Step {
  // Once stopped, only the socket's close still shows (as offline); nothing is sent or called.
  if ((session.stopped && event.type !== 'closed') || session.refused) return next(session);
  const out = inherit(handle(session, event), event);
  const shown = withPending(out.session);
  // Published first: a subscriber that reacts to `live` (presence) runs before this step's frames go out.
  if (shown.state === session.state) return out;
  return { session: shown, effects: [{ type: 'publish', state: shown.state }, ...out.effects] };
}

/** A store call made on a store result belongs to that result's connection: stale if it was. */
function inherit(out: Step, event: EngineEvent): Step {
  if (event.type !== 'stored' && event.type !== 'store-failed') return out;
  const effects = out.effects.map((effect) => (effect.type === 'store' ? { ...effect, connection: event.connection } : effect));
  return { session: out.session, effects };
}

function handle(s: Session, event: EngineEvent): Step {
  switch (event.type) {
    case 'start':
      return onStart(s);
    case 'opened':
      return onOpened(s, event.connection);
    case 'closed':
      return onClosed(s, event);
    case 'frame':
      return event.connection === s.connection ? onFrame(s, event.message) : next(s);
    case 'stored':
      return onStored(s, event);
    case 'store-failed':
      return onReport(s, event.error);
    case 'committed':
      return onCommitted(s, event.ops);
    case 'pump':
      return onPump(s, event.written);
    case 'pending':
      return onPending(s, event.count);
    case 'refresh-at-risk':
      return onRefreshAtRisk(s);
    case 'join':
      return onJoin(s);
    case 'tick':
      return onTick(s);
    case 'report':
      return onReport(s, event.error);
    case 'stop':
      return onStop(s);
    case 'set-query':
      return onSetQuery(s, event.query);
    default:
      return unexpectedCase(event);
  }
}

function onFrame(s: Session, message: Extract<EngineEvent, { type: 'frame' }>['message']): Step {
  switch (message.type) {
    case 'decision':
      return onDecision(s, message);
    case 'ops':
      return onOps(s, message);
    case 'snapshot':
      return onSnapshot(s, message);
    case 'synced':
      return onSynced(s, message.serverSeq);
    case 'ack':
      return onAck(s, message);
    case 'reject':
      return onReject(s, message);
    case 'horizon':
      return onHorizon(s, message.serverSeq);
    case 'error':
      return onError(s, message);
    default:
      return unexpectedCase(message);
  }
}

/** A store call's result. Each handler decides what still holds when its connection is gone. */
function onStored(s: Session, event: StoredEvent): Step {
  const current = event.connection === s.connection;
  switch (event.call.kind) {
    case 'read-local':
      return onLocalRead(s, event as Extract<StoredEvent, { call: { kind: 'read-local' } }>);
    case 'read-hello':
      return current ? onHelloRead(s, event as Extract<StoredEvent, { call: { kind: 'read-hello' } }>) : next(s);
    case 'export-history':
      return current ? onExported(s, event as Extract<StoredEvent, { call: { kind: 'export-history' } }>) : next(s);
    case 'read-own-op':
      return current ? onOwnOpRead(s, event as Extract<StoredEvent, { call: { kind: 'read-own-op' } }>) : next(s);
    case 'unacknowledge':
      return current ? onUnacknowledged(s, event as Extract<StoredEvent, { call: { kind: 'unacknowledge' } }>) : next(s);
    case 'new-replica-id':
      return current ? onIdCreated(s, event as Extract<StoredEvent, { call: { kind: 'new-replica-id' } }>) : next(s);
    case 'acknowledge':
      return onAcknowledged(s, event as Extract<StoredEvent, { call: { kind: 'acknowledge' } }>, current);
    case 'count-at-risk':
      return onAtRiskCounted(s, event as Extract<StoredEvent, { call: { kind: 'count-at-risk' } }>, current);
    case 'reset-to-snapshot':
      return onReset(s, event as Extract<StoredEvent, { call: { kind: 'reset-to-snapshot' } }>, current);
    case 'apply-remote':
      return onApplied(s, event as Extract<StoredEvent, { call: { kind: 'apply-remote' } }>, current);
    case 'write-meta':
      return current ? onMetaWritten(s, event as Extract<StoredEvent, { call: { kind: 'write-meta' } }>) : next(s);
    case 'compact':
      return next(s);
    case 'roll-back':
      return onRolledBack(s, event as Extract<StoredEvent, { call: { kind: 'roll-back' } }>, current);
    case 'read-unacknowledged':
      return current ? onUnacknowledgedRead(s, event as Extract<StoredEvent, { call: { kind: 'read-unacknowledged' } }>) : next(s);
    case 'narrow':
      // Narrowed: the hello is read again (now holding only the query).
      return current ? next(s, { type: 'store', call: { kind: 'read-hello' } }) : next(s);
    case 'merge-snapshot':
      return next(s);
    default:
      return unexpectedCase(event.call);
  }
}

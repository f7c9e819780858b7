/** The engine's start and stop, socket changes, and the hello. */
import { ErrorCode } from '../../core/index.js';
import { PROTOCOL_VERSION } from '../../protocol/index.js';
import type { SyncError } from './effects.js';
import type { EngineEvent, StoredEvent } from './events.js';
import { cancelCursors } from './cursors.js';
import type { Session } from './session.js';
import { freshLink, withLink, withPhase, withState } from './session.js';
import { next, type Step } from './step.js';

export const onStart = (s: Session): Step => next(s, { type: 'store', call: { kind: 'read-local' } });

export function onLocalRead(s: Session, e: Extract<StoredEvent, { call: { kind: 'read-local' } }>): Step {
  // A hello read since knows better.
  if (s.acked !== undefined) return next(s);
  return next({ ...s, replicaId: e.value.replicaId, acked: { replicaId: e.value.replicaId, seq: e.value.ackedSeq } });
}

/** A socket opened: a new link, and the hello once the store said what to put in it. */
export function onOpened(s: Session, connection: number): Step {
  // It closed again before its turn came: the next open says hello.
  if (connection <= s.connection) return next(s);
  const opened = withPhase({ ...s, connection, open: true, link: freshLink() }, 'syncing');
  return next(opened, { type: 'store', call: { kind: 'read-hello' } });
}

export function onHelloRead(s: Session, e: Extract<StoredEvent, { call: { kind: 'read-hello' } }>): Step {
  const { cursor, replicaId, localSeq, atRisk, ackedSeq } = e.value;
  const read = withLink({ ...s, replicaId, acked: { replicaId, seq: ackedSeq } }, { cursor: cursor?.serverSeq ?? 0 });
  // A forked replica asks for a reset: without a cursor the server cannot resume it (decide.ts row 5).
  const said = s.forked ? null : cursor;
  return next(read, { type: 'send', message: { type: 'hello', protocol: PROTOCOL_VERSION, replicaId, cursor: said, localSeq, atRisk } });
}

/**
 * The socket closed. Everything the link carried is re-derived by the next
 * hello; a store call of this link still running finishes, but may no longer
 * send or change the phase.
 */
export function onClosed(s: Session, e: Extract<EngineEvent, { type: 'closed' }>): Step {
  const cancelled = cancelCursors({ ...s, connection: Math.max(s.connection, e.connection), open: false, link: freshLink() });
  return next(withPhase(cancelled.session, e.phase, e.error ? { error: e.error } : {}), ...cancelled.effects);
}

export const onReport = (s: Session, error: SyncError): Step => next(withState(s, { error: { code: error.code, message: error.message } }));

export function onStop(s: Session): Step {
  const cancelled = cancelCursors({ ...s, stopped: true, joinWaiters: 0 });
  const settle = s.joinWaiters > 0 ? [{ type: 'settle-joins' as const, error: { code: ErrorCode.SYNC_STOPPED, message: 'Sync was stopped before the join finished.' } }] : [];
  return next(cancelled.session, ...settle, ...cancelled.effects);
}

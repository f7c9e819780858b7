/** The engine's start and stop, socket changes, and the hello. */
import { ErrorCode } from '../../core/index.js';
import { PROTOCOL_VERSION } from '../../protocol/index.js';
import type { SyncError } from './effects.js';
import type { EngineEvent, StoredEvent } from './events.js';
import { cancelCursors } from './cursors.js';
import type { Session } from './session.js';
import { LIBRARY_KEY, freshLink, withLink, withPhase, withState } from './session.js';
import { next, type Step } from './next.js';
import { helloQuery, narrowFirst } from './on-query.js';

export const onStart = (s: Session): Step => next(s, { type: 'store', call: { kind: 'read-local' } });

/**
 * The store's counters, and the library it syncs with. One store holds one
 * acknowledged position and one replica registration: resumed or seeded into
 * a second library, it would send that library its whole history and miss
 * what the first acknowledged. So the first library is recorded; with another
 * this engine never resumes or seeds: its hello asks for a reset (no cursor),
 * which stores nothing until the user consents and the store is reset into
 * the new library (then recorded with it), and an empty library (accept) is
 * refused with SYNC_WRONG_LIBRARY. The read comes first in the queue, before
 * any `opened`.
 */
export function onLocalRead(s: Session, e: Extract<StoredEvent, { call: { kind: 'read-local' } }>): Step {
  const { replicaId, ackedSeq, library } = e.value;
  // A hello read since knows better.
  const read = s.acked !== undefined ? s : { ...s, replicaId, acked: { replicaId, seq: ackedSeq } };
  if (library !== undefined) return next(library === s.library ? read : { ...read, otherLibrary: library });
  return next(read, { type: 'store', call: { kind: 'write-meta', entries: { [LIBRARY_KEY]: s.library }, then: 'record' } });
}

/** This store syncs with another library and this one cannot take it by a reset: nothing is sent. */
export function refuseOtherLibrary(s: Session, other: string): Step {
  const message = `This store syncs with library "${other}"; library "${s.library}" is empty, and seeding it would copy "${other}"'s history into it. One store per library: open a store named after each library (createStore({ name: \`app-\${library}\` })).`;
  return refuse(s, { code: ErrorCode.SYNC_WRONG_LIBRARY, message });
}

/**
 * The server requires a newer schema: phase `outdated`, and no retry (only a
 * new engine, at the next start, connects again). The store is untouched.
 */
export const refuseOutdated = (s: Session, error: SyncError): Step => refuse(s, error, 'outdated');

function refuse(s: Session, error: SyncError, phase: 'error' | 'outdated' = 'error'): Step {
  const refused = withPhase({ ...s, refused: error, joinWaiters: 0 }, phase, { error });
  const settle = s.joinWaiters > 0 ? [{ type: 'settle-joins' as const, error }] : [];
  return next(refused, ...settle, { type: 'close' });
}

/** A socket opened: a new link, and the hello once the store said what to put in it. */
export function onOpened(s: Session, connection: number): Step {
  // It closed again before its turn came: the next open says hello.
  if (connection <= s.connection) return next(s);
  const opened = withPhase({ ...s, connection, open: true, link: freshLink() }, 'syncing');
  return next(opened, { type: 'store', call: { kind: 'read-hello' } });
}

export function onHelloRead(s: Session, e: Extract<StoredEvent, { call: { kind: 'read-hello' } }>): Step {
  const { cursor, replicaId, localSeq, atRisk, ackedSeq, schemaVersion, held } = e.value;
  const read = withLink({ ...s, replicaId, acked: { replicaId, seq: ackedSeq } }, { cursor: cursor?.serverSeq ?? 0, localSeq });
  // A forked replica, or a store of another library, asks for a reset: without a cursor the server cannot resume it (decide.ts row 5).
  const said = s.forked || s.otherLibrary !== undefined ? null : cursor;
  // A narrowed query drops what it no longer asks for first (on-query.ts).
  const narrowing = narrowFirst(read, { cursor: said, held });
  if (narrowing !== undefined) return narrowing;
  const asked = helloQuery(read, { cursor: said, held });
  const declared = schemaVersion === undefined ? {} : { schemaVersion };
  const message = { type: 'hello' as const, protocol: PROTOCOL_VERSION, replicaId, cursor: said, localSeq, atRisk, ackedSeq, ...declared, ...asked.fields };
  return next(asked.session, { type: 'send', message });
}

/**
 * The socket closed. Everything the link carried is re-derived by the next
 * hello; a store call of this link still running finishes, but may no longer
 * send or change the phase.
 */
export function onClosed(s: Session, e: Extract<EngineEvent, { type: 'closed' }>): Step {
  // The close can overtake its error frame (it skips the shell's queue): it refuses as the frame would.
  if (e.error?.code === ErrorCode.SYNC_SCHEMA_OUTDATED) return refuseOutdated(s, e.error);
  const cancelled = cancelCursors({ ...s, connection: Math.max(s.connection, e.connection), open: false, link: freshLink() });
  return next(withPhase(cancelled.session, e.phase, e.error ? { error: e.error } : {}), ...cancelled.effects);
}

export const onReport = (s: Session, error: SyncError): Step => next(withState(s, { error: { code: error.code, message: error.message } }));

export function onStop(s: Session): Step {
  const cancelled = cancelCursors({ ...s, stopped: true, joinWaiters: 0 });
  const settle = s.joinWaiters > 0 ? [{ type: 'settle-joins' as const, error: { code: ErrorCode.SYNC_STOPPED, message: 'Sync was stopped before the join finished.' } }] : [];
  return next(cancelled.session, ...settle, ...cancelled.effects);
}

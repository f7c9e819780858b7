/**
 * At most one `cursor` per interval while ops stream in: the first at once,
 * the highest of the rest when the interval ends (why: ../cursor-throttle.ts,
 * CURSOR_INTERVAL_MS). The timer is the shell's; the engine only says start
 * or cancel, and hears `tick`.
 */
import type { Effect } from './effects.js';
import type { Session } from './session.js';
import type { Step } from './next.js';

/** Sends `serverSeq` now, or keeps it for the end of the running interval. */
export function offerCursor(s: Session, serverSeq: number): Step {
  if (s.cursorTimer) return { session: { ...s, cursorDue: Math.max(s.cursorDue ?? 0, serverSeq) }, effects: [] };
  return { session: { ...s, cursorTimer: true }, effects: [{ type: 'send', message: { type: 'cursor', serverSeq } }, { type: 'timer', action: 'start' }] };
}

export function onTick(s: Session): Step {
  const due = s.cursorDue;
  const idle = { ...s, cursorTimer: false, cursorDue: undefined };
  // A cursor waits only while live (cancelled on close); the phase may have changed since.
  if (due === undefined || s.state.phase !== 'live') return { session: idle, effects: [] };
  return offerCursor(idle, due);
}

/** Drops a cursor waiting for its interval (the connection closed or sync stopped): it never crosses into the next connection. */
export function cancelCursors(s: Session): { session: Session; effects: Effect[] } {
  if (!s.cursorTimer) return { session: s, effects: [] };
  return { session: { ...s, cursorTimer: false, cursorDue: undefined }, effects: [{ type: 'timer', action: 'cancel' }] };
}

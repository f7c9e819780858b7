/**
 * Hybrid logical clock. A timestamp is a fixed-width, lexically sortable string:
 * 9 base-36 digits of wall-clock milliseconds then 4 base-36 digits of counter
 * (13 characters). The clock never goes backwards: when the wall clock does,
 * or a remote timestamp is ahead of it, the logical part carries on from the
 * highest time seen. Skew never stalls anything: a remote timestamp days ahead
 * is simply adopted.
 */

export interface ClockState {
  /** Highest physical milliseconds seen (local or remote). */
  readonly ms: number;
  /** Counter within `ms`. */
  readonly counter: number;
}

export const TS_LENGTH = 13;
const MS_DIGITS = 9;
const COUNTER_DIGITS = 4;
const MAX_COUNTER = 36 ** COUNTER_DIGITS - 1;
const MAX_MS = 36 ** MS_DIGITS - 1;
const TS_PATTERN = /^[0-9a-z]{13}$/;

export const initialClock: ClockState = { ms: 0, counter: 0 };

export function isTimestamp(value: unknown): value is string {
  return typeof value === 'string' && TS_PATTERN.test(value);
}

export function formatTimestamp(state: ClockState): string {
  return state.ms.toString(36).padStart(MS_DIGITS, '0') + state.counter.toString(36).padStart(COUNTER_DIGITS, '0');
}

export function parseTimestamp(ts: string): ClockState {
  return {
    ms: parseInt(ts.slice(0, MS_DIGITS), 36),
    counter: parseInt(ts.slice(MS_DIGITS), 36),
  };
}

/** Advance the clock for a local event; returns the new state, whose timestamp is strictly greater than any seen. */
export function tick(state: ClockState, nowMs: number): ClockState {
  const wall = Math.min(Math.max(0, Math.floor(nowMs)), MAX_MS);
  if (wall > state.ms) return { ms: wall, counter: 0 };
  if (state.counter < MAX_COUNTER) return { ms: state.ms, counter: state.counter + 1 };
  // Counter exhausted within one millisecond: borrow the next millisecond.
  return { ms: state.ms + 1, counter: 0 };
}

/** Take a remote timestamp into account, so the next local tick sorts after it. */
export function observe(state: ClockState, remoteTs: string): ClockState {
  const remote = parseTimestamp(remoteTs);
  if (remote.ms > state.ms) return remote;
  if (remote.ms === state.ms && remote.counter > state.counter) return remote;
  return state;
}

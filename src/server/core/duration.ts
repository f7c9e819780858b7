/** Durations as people type them: `90`, `45s`, `15m`, `1h`, `30d`, `2w` (also spelled out: `2 weeks`). */
import { ErrorCode, TrellisError } from '../../core/index.js';

const UNIT_SECONDS: Record<string, number> = {
  s: 1, sec: 1, secs: 1, second: 1, seconds: 1,
  m: 60, min: 60, mins: 60, minute: 60, minutes: 60,
  h: 3600, hr: 3600, hrs: 3600, hour: 3600, hours: 3600,
  d: 86400, day: 86400, days: 86400,
  w: 604800, week: 604800, weeks: 604800,
  y: 31557600, year: 31557600, years: 31557600,
};

const DURATION = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i;

/** Seconds in a duration; a bare number is seconds. Throws INVALID_ARGUMENT. */
export function parseDuration(text: string | number): number {
  if (typeof text === 'number' && Number.isFinite(text) && text >= 0) return text;
  const match = DURATION.exec(String(text).trim());
  const unit = match?.[2] === '' ? 1 : UNIT_SECONDS[(match?.[2] ?? '').toLowerCase()];
  if (match === null || unit === undefined) {
    throw new TrellisError(ErrorCode.INVALID_ARGUMENT, `Invalid duration "${text}"; use a number of seconds or e.g. 45s, 15m, 1h, 30d, 2w.`, {
      details: { value: text },
    });
  }
  return Number(match[1]) * unit;
}

/** One-line descriptions of ops and merge-state entries, for the panel's tables. */
import { isTimestamp, parseTimestamp, type Change } from '../core/index.js';
import { safeJson } from './error-log.js';

/** The longest value preview in a table cell, in characters. */
export const VALUE_PREVIEW = 80;

/** `kind path = value`, e.g. `set meta.color = "red"`, `list-insert tags [item x] = "a"`, `delete`. */
export function describeChange(change: Change): string {
  const path = 'path' in change ? change.path.join('.') : '';
  const item = 'item' in change ? ` [item ${change.item}]` : '';
  const value = 'value' in change ? ` = ${safeJson(change.value, VALUE_PREVIEW)}` : '';
  return [change.kind, path].filter(Boolean).join(' ') + item + value;
}

/** An HLC ts as the UTC time of day of its wall-clock part and its counter (`12:03:04.005 #2`); anything else as given. */
export function describeTs(ts: string): string {
  if (!isTimestamp(ts)) return ts;
  const { ms, counter } = parseTimestamp(ts);
  const time = new Date(ms).toISOString().slice(11, 23);
  return counter > 0 ? `${time} #${counter}` : time;
}

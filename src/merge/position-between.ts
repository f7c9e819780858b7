/**
 * Fractional position keys for list items. A key is a base-62 fraction
 * 0.d1d2…: digits `0-9A-Za-z`, whose char codes ascend in that order, so plain
 * string comparison (`<`) orders keys as numbers. Invariant: a key is non-empty
 * and never ends in `0`, the lowest digit. Then no two distinct keys denote the
 * same fraction, and there is always a key below, above and between any keys.
 */
import { ErrorCode, TrellisError } from '../core/index.js';

const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BASE = DIGITS.length;
const KEY = /^[0-9A-Za-z]*[1-9A-Za-z]$/;

/**
 * A position key strictly between `before` and `after`; `undefined` is an open
 * end. Appending (`after` undefined) and prepending take the smallest step, so
 * keys grow by one digit only every ~61 appends.
 *
 * Throws `INVALID_ARGUMENT` when a key is malformed or `before >= after`. Two
 * items inserted concurrently at the same place may share a key; callers that
 * insert next to them must pick neighbours with distinct keys.
 *
 *   positionBetween(undefined, undefined) // 'V'
 *   positionBetween('V', undefined)       // 'W'
 *   positionBetween('V', 'W')             // 'VV'
 */
export function positionBetween(before: string | undefined, after: string | undefined): string {
  if (before !== undefined) checkKey(before, 'before');
  if (after !== undefined) checkKey(after, 'after');
  if (before === undefined) return after === undefined ? DIGITS.charAt(BASE / 2) : below(after);
  if (after === undefined) return above(before);
  if (before >= after) {
    throw new TrellisError(ErrorCode.INVALID_ARGUMENT, `positionBetween needs before < after, got "${before}" and "${after}".`, {
      details: { before, after },
    });
  }
  return midpoint(before, after);
}

/**
 * `count` ascending keys spread evenly over (0, 1), all of the shortest width
 * that fits them, for the items of an array turned into a list.
 */
export function positionsFor(count: number): string[] {
  const n = Number.isFinite(count) ? Math.max(0, Math.floor(count)) : 0;
  let width = 1;
  let space = BASE;
  while (space < n + 1) {
    width += 1;
    space *= BASE;
  }
  // step >= 1, so the n multiples are distinct, non-zero and below `space`.
  const step = Math.floor(space / (n + 1));
  const keys: string[] = [];
  for (let i = 1; i <= n; i++) keys.push(encode(i * step, width));
  return keys;
}

function checkKey(key: string, name: string): void {
  if (!KEY.test(key)) {
    throw new TrellisError(ErrorCode.INVALID_ARGUMENT, `positionBetween: "${key}" (${name}) is not a position key.`, {
      details: { [name]: key },
    });
  }
}

function digitAt(key: string, index: number): number {
  return DIGITS.indexOf(key.charAt(index));
}

/** Fixed-width base-62 digits of `value`, trailing zeros dropped (same fraction). */
function encode(value: number, width: number): string {
  let out = '';
  let rest = value;
  for (let i = 0; i < width; i++) {
    out = DIGITS.charAt(rest % BASE) + out;
    rest = Math.floor(rest / BASE);
  }
  return out.replace(/0+$/, '');
}

/** Smallest step up: bump the first digit that is not the highest. */
function above(key: string): string {
  for (let i = 0; i < key.length; i++) {
    const digit = digitAt(key, i);
    if (digit < BASE - 1) return key.slice(0, i) + DIGITS.charAt(digit + 1);
  }
  return key + DIGITS.charAt(1);
}

/** Smallest step down: lower the first digit that stays non-zero when lowered. */
function below(key: string): string {
  for (let i = 0; i < key.length; i++) {
    const digit = digitAt(key, i);
    if (digit >= 2) return key.slice(0, i) + DIGITS.charAt(digit - 1);
  }
  // Only digits 0 and 1, ending in 1: turn the last 1 into 0z.
  return `${key.slice(0, -1)}0${DIGITS.charAt(BASE - 1)}`;
}

/**
 * The midpoint of `low` and `high` (undefined = 1), as short as possible.
 * Precondition: low < high, both valid keys (low may be '' = 0 in recursion).
 */
function midpoint(low: string, high: string | undefined): string {
  let n = 0;
  // A shared prefix (low padded with zeros) is kept; low < high guarantees high[n] exists where they differ.
  if (high !== undefined) while ((low[n] ?? '0') === high[n]) n++;
  const prefix = high === undefined ? '' : high.slice(0, n);
  const lowDigit = n < low.length ? digitAt(low, n) : 0;
  const highDigit = high === undefined ? BASE : digitAt(high, n);
  if (highDigit - lowDigit > 1) return prefix + DIGITS.charAt((lowDigit + highDigit) >> 1);
  // Consecutive digits: cut `high` short if it has more digits, else go one digit deeper above `low`.
  if (high !== undefined && high.length > n + 1) return high.slice(0, n + 1);
  return prefix + DIGITS.charAt(lowDigit) + midpoint(low.slice(n + 1), undefined);
}

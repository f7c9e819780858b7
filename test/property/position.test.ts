import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { positionBetween, positionsFor } from '../../src/merge/index.js';

const KEY = /^[0-9A-Za-z]*[1-9A-Za-z]$/;
const digit = fc.constantFrom(...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz');
/** Valid keys: base-62 digits, biased to the low and high ends, never ending in 0. */
const key = fc
  .array(fc.oneof(digit, fc.constantFrom('0', '1', 'z')), { minLength: 1, maxLength: 6 })
  .map((digits) => digits.join('').replace(/0+$/, ''))
  .filter((k) => k.length > 0);

describe('position keys', () => {
  it('positionBetween is strictly between any two keys and valid', () => {
    fc.assert(
      fc.property(key, key, (x, y) => {
        fc.pre(x !== y);
        const [a, b] = x < y ? [x, y] : [y, x];
        const mid = positionBetween(a, b);
        expect(mid).toMatch(KEY);
        expect(a < mid && mid < b).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('positionBetween with an open end is above or below the given key', () => {
    fc.assert(
      fc.property(key, (k) => {
        const up = positionBetween(k, undefined);
        const down = positionBetween(undefined, k);
        expect(up).toMatch(KEY);
        expect(down).toMatch(KEY);
        expect(k < up && down < k).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('repeated insertion at one place keeps keys ordered and valid', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 60 }), (towardsLow) => {
        let low = positionBetween(undefined, undefined);
        let high = positionBetween(low, undefined);
        for (const moveLow of towardsLow) {
          const mid = positionBetween(low, high);
          expect(low < mid && mid < high).toBe(true);
          if (moveLow) low = mid;
          else high = mid;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('positionsFor gives count ascending valid keys', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5000 }), (count) => {
        const keys = positionsFor(count);
        expect(keys).toHaveLength(count);
        const bad = keys.findIndex((k, i) => !KEY.test(k) || (i > 0 && !(keys[i - 1]! < k)));
        expect(bad).toBe(-1);
      }),
      { numRuns: 300 },
    );
  });
});

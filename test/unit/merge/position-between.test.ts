import { describe, expect, it } from 'vitest';
import { isTrellisError } from '../../../src/core/index.js';
import { positionBetween, positionsFor } from '../../../src/merge/index.js';

describe('position keys', () => {
  it('starts in the middle of the key space', () => {
    expect(positionBetween(undefined, undefined)).toBe('V');
  });

  it('keeps keys short when appending at the end', () => {
    let last = positionBetween(undefined, undefined);
    for (let i = 0; i < 1000; i++) last = positionBetween(last, undefined);
    expect(last.length).toBeLessThanOrEqual(17);
  });

  it('keeps keys short when prepending at the start', () => {
    let first = positionBetween(undefined, undefined);
    for (let i = 0; i < 1000; i++) first = positionBetween(undefined, first);
    expect(first.length).toBeLessThanOrEqual(18);
  });

  it('finds a key between adjacent digits by going one digit deeper', () => {
    expect(positionBetween('V', 'W')).toBe('VV');
  });

  it('spreads array positions evenly with the shortest width', () => {
    expect(positionsFor(0)).toEqual([]);
    expect(positionsFor(1)).toEqual(['V']);
    expect(positionsFor(2)).toEqual(['K', 'e']);
    expect(positionsFor(100).every((k) => k.length <= 2)).toBe(true);
  });

  it('rejects keys that are out of order or malformed', () => {
    const rejects = (fn: () => unknown) => {
      try {
        fn();
        return false;
      } catch (err) {
        return isTrellisError(err, 'INVALID_ARGUMENT');
      }
    };
    expect(rejects(() => positionBetween('V', 'V'))).toBe(true);
    expect(rejects(() => positionBetween('W', 'V'))).toBe(true);
    expect(rejects(() => positionBetween('V0', undefined))).toBe(true);
    expect(rejects(() => positionBetween(undefined, 'a-b'))).toBe(true);
  });
});

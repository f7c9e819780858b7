import { describe, expect, test } from 'vitest';
import { chunkBySize, withLast } from '../../../src/server/core/chunk.js';

describe('chunkBySize', () => {
  test('groups items under the byte budget, in order, and lets an oversized item travel alone', () => {
    const items = ['a'.repeat(40), 'b'.repeat(40), 'c'.repeat(200), 'd'.repeat(10), 'e'.repeat(10)];
    const chunks = [...chunkBySize(items, 100)];
    expect(chunks.map((c) => c.map((s) => s[0]).join(''))).toEqual(['ab', 'c', 'de']);
  });

  test('nothing in, nothing out', () => {
    expect([...chunkBySize([], 100)]).toEqual([]);
  });
});

describe('withLast', () => {
  test('marks only the last value', () => {
    expect([...withLast([1, 2, 3])]).toEqual([
      { value: 1, last: false },
      { value: 2, last: false },
      { value: 3, last: true },
    ]);
    expect([...withLast([])]).toEqual([]);
  });
});

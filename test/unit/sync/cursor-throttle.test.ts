import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createCursorThrottle } from '../../../src/sync/cursor-throttle.js';

describe('cursor throttle', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  test('sends the first cursor at once and the highest of the rest when the interval ends', () => {
    const sent: number[] = [];
    const cursors = createCursorThrottle((serverSeq) => sent.push(serverSeq), 100);
    cursors.offer(1);
    cursors.offer(3);
    cursors.offer(2);
    expect(sent).toEqual([1]);
    vi.advanceTimersByTime(100);
    expect(sent).toEqual([1, 3]);
    vi.advanceTimersByTime(100);
    cursors.offer(4);
    expect(sent).toEqual([1, 3, 4]);
  });

  test('a cancelled cursor is never sent', () => {
    const sent: number[] = [];
    const cursors = createCursorThrottle((serverSeq) => sent.push(serverSeq), 100);
    cursors.offer(1);
    cursors.offer(2);
    cursors.cancel();
    vi.advanceTimersByTime(500);
    expect(sent).toEqual([1]);
    cursors.offer(5);
    expect(sent).toEqual([1, 5]);
  });
});

/**
 * The client's presence module on its own: sends are throttled with the
 * latest state winning, nothing goes out before the app takes part or while
 * disconnected, and server updates become peers grouped by user.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { ErrorCode } from 'trellis';
import type { JsonObject } from 'trellis';
import type { PresenceEntry } from 'trellis/protocol';
import type { PresenceUser } from 'trellis/presence';
import { createPresence, groupByUser } from '../../../src/presence/presence.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function connectedPresence(throttleMs = 100) {
  const control = createPresence({ throttleMs, graceMs: 1000 });
  const sent: (JsonObject | null)[] = [];
  control.connected((state) => sent.push(state));
  const seen: (readonly PresenceUser[])[] = [];
  return { control, sent, seen, watch: () => control.presence.peers$.subscribe((peers) => seen.push(peers)) };
}

const entry = (replicaId: string, userId: string, state: JsonObject | null = null, at = 1): PresenceEntry => ({ replicaId, userId, state, at });

describe('sending', () => {
  test('the first state goes out at once; a burst within the window is coalesced into one send of the latest', () => {
    const { control, sent } = connectedPresence();
    control.presence.set({ n: 1 });
    expect(sent).toEqual([{ n: 1 }]);
    for (let n = 2; n <= 20; n++) control.presence.set({ n });
    expect(sent).toEqual([{ n: 1 }]);
    vi.advanceTimersByTime(100);
    expect(sent).toEqual([{ n: 1 }, { n: 20 }]);
    vi.advanceTimersByTime(1000);
    expect(sent).toHaveLength(2);
    control.presence.set({ n: 21 });
    expect(sent.at(-1)).toEqual({ n: 21 });
  });

  test('a steady stream of updates is sent at most once per window', () => {
    const { control, sent } = connectedPresence(100);
    for (let ms = 0; ms < 1000; ms += 10) {
      control.presence.set({ ms });
      vi.advanceTimersByTime(10);
    }
    vi.advanceTimersByTime(100);
    expect(sent.length).toBeLessThanOrEqual(11);
    expect(sent.at(-1)).toEqual({ ms: 990 });
  });

  test('nothing is sent until the app sets or watches presence; watching sends null', () => {
    const { control, sent, watch } = connectedPresence();
    vi.advanceTimersByTime(1000);
    expect(sent).toEqual([]);
    watch();
    expect(sent).toEqual([null]);
  });

  test('offline, only the latest state is kept, and it is sent when the next connection goes live', () => {
    const control = createPresence();
    control.presence.set({ v: 1 });
    control.presence.set({ v: 2 });
    const sent: (JsonObject | null)[] = [];
    control.connected((state) => sent.push(state));
    expect(sent).toEqual([{ v: 2 }]);
    control.disconnected();
    control.presence.set({ v: 3 });
    vi.advanceTimersByTime(1000);
    expect(sent).toEqual([{ v: 2 }]);
    const again: (JsonObject | null)[] = [];
    control.connected((state) => again.push(state));
    expect(again).toEqual([{ v: 3 }]);
  });

  test('set keeps a copy, and refuses what is not a small JSON object', () => {
    const { control, sent } = connectedPresence();
    const state = { list: ['a'] };
    control.presence.set(state);
    state.list.push('b');
    expect(control.presence.self).toEqual({ list: ['a'] });
    expect(() => control.presence.set({ text: 'x'.repeat(1100) })).toThrow(expect.objectContaining({ code: ErrorCode.PRESENCE_TOO_LARGE }));
    expect(() => control.presence.set(new Date() as never)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }));
    expect(() => control.presence.set({ n: Number.NaN })).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }));
    expect(control.presence.self).toEqual({ list: ['a'] });
    vi.advanceTimersByTime(1000);
    expect(sent).toEqual([{ list: ['a'] }]);
  });

  test('a refused state is named by its problem and path', () => {
    const { control } = connectedPresence();
    expect(() => control.presence.set({ at: { n: Number.NaN } })).toThrow(/number NaN at at\.n is not finite JSON/);
    expect(() => control.presence.set(new Date() as never)).toThrow(/value of kind \w*Date at the top level is not JSON/);
    expect(() => control.presence.set({ name: 'a\ud83d' })).toThrow(/string at name is not well-formed Unicode \(lone surrogate at index 1\)/);
    expect(() => control.presence.set(JSON.parse('{"__proto__":{}}'))).toThrow(/key `__proto__` is not allowed at the top level/);
  });
});

describe('peers', () => {
  test('updates become peers grouped by user, sorted, with profiles; left replicas go', () => {
    const { control, seen, watch } = connectedPresence();
    watch();
    control.receive({ type: 'presence', replace: true, replicas: [entry('r2', 'bob', { v: 'b' }, 5), entry('r3', 'ada'), entry('r1', 'bob')], profiles: { bob: { name: 'Bob' } } });
    expect(seen.at(-1)).toEqual([
      { userId: 'ada', profile: null, replicas: [{ replicaId: 'r3', state: null, lastSeen: 1 }] },
      {
        userId: 'bob',
        profile: { name: 'Bob' },
        replicas: [
          { replicaId: 'r1', state: null, lastSeen: 1 },
          { replicaId: 'r2', state: { v: 'b' }, lastSeen: 5 },
        ],
      },
    ]);
    control.receive({ type: 'presence', profiles: { ada: { name: 'Ada' } } });
    control.receive({ type: 'presence', replicas: [entry('r3', 'ada', { v: 'a' }, 9)] });
    control.receive({ type: 'presence', left: ['r1', 'r2'] });
    expect(seen.at(-1)).toEqual([{ userId: 'ada', profile: { name: 'Ada' }, replicas: [{ replicaId: 'r3', state: { v: 'a' }, lastSeen: 9 }] }]);
  });

  test('a snapshot replaces everything known before', () => {
    const { control, seen, watch } = connectedPresence();
    watch();
    control.receive({ type: 'presence', replace: true, replicas: [entry('r1', 'ada')] });
    control.receive({ type: 'presence', replace: true, replicas: [entry('r2', 'bob')] });
    expect(seen.at(-1)?.map((p) => p.userId)).toEqual(['bob']);
  });

  test('after a disconnect, peers stay for the grace, then clear; a new snapshot in time replaces them', () => {
    const { control, seen, watch } = connectedPresence();
    watch();
    control.receive({ type: 'presence', replace: true, replicas: [entry('r1', 'ada')] });
    control.disconnected();
    vi.advanceTimersByTime(999);
    expect(seen.at(-1)).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(seen.at(-1)).toEqual([]);

    control.connected(() => {});
    control.receive({ type: 'presence', replace: true, replicas: [entry('r1', 'ada')] });
    control.disconnected();
    control.connected(() => {});
    control.receive({ type: 'presence', replace: true, replicas: [entry('r2', 'bob')] });
    vi.advanceTimersByTime(5000);
    expect(seen.at(-1)?.map((p) => p.userId)).toEqual(['bob']);
  });

  test('groupByUser leaves out profiles of users without replicas', () => {
    expect(groupByUser(new Map(), new Map([['ada', { name: 'Ada' }]]))).toEqual([]);
  });
});

/**
 * Leader election between tabs, in Node: real BroadcastChannels, an
 * in-memory Web Locks manager, tabs that can be halted (test/helpers/web-locks.ts).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTabChannel } from '../../../src/tabs/channel.js';
import { createLeadership, type Leadership } from '../../../src/tabs/leader.js';
import { createTab, createWebLocks } from '../../helpers/web-locks.js';

const BEAT = 50;

interface TestTab {
  readonly name: string;
  readonly leadership: Leadership;
  readonly tab: ReturnType<typeof createTab>;
  /** Terms this tab led under, in order. */
  readonly terms: number[];
  /** Statuses heard as a follower. */
  readonly heard: unknown[];
  follows: number;
  status: string;
  close(): void;
}

const open: TestTab[] = [];
afterEach(() => {
  for (const t of open.splice(0)) t.close();
});

function openTab(locks: ReturnType<typeof createWebLocks>, o: { channel: string; name: string; beatMs?: number }): TestTab {
  const tab = createTab(locks);
  const channel = createTabChannel({ name: o.channel, tab: o.name, BroadcastChannel: tab.BroadcastChannel });
  const t: TestTab = {
    name: o.name,
    tab,
    terms: [],
    heard: [],
    follows: 0,
    status: `status of ${o.name}`,
    leadership: createLeadership({
      name: o.channel,
      channel,
      locks: tab.locks,
      beatMs: o.beatMs ?? BEAT,
      status: () => t.status,
      onStatus: (status) => t.heard.push(status),
      onLead: (term) => t.terms.push(term),
      onFollow: () => void t.follows++,
    }),
    close: () => {
      tab.resume();
      t.leadership.stop();
      channel.close();
    },
  };
  open.push(t);
  return t;
}

const leaders = (tabs: TestTab[]) => tabs.filter((t) => t.leadership.isLeader()).map((t) => t.name);
let channels = 0;

describe('leader election between tabs', () => {
  it('elects exactly one leader, whose status every other tab hears', async () => {
    const locks = createWebLocks();
    const channel = `tabs-${++channels}`;
    const tabs = ['a', 'b', 'c'].map((name) => openTab(locks, { channel, name }));
    await vi.waitFor(() => expect(leaders(tabs)).toEqual(['a']));
    await vi.waitFor(() => {
      for (const t of tabs.slice(1)) expect(t.heard).toContain('status of a');
    });
    for (const t of tabs.slice(1)) expect(t.leadership.leader.value?.tab).toBe('a');
    expect(leaders(tabs)).toEqual(['a']);
  });

  it('hands over to a waiting tab when the leader stops, and a stopped tab never leads again', async () => {
    const locks = createWebLocks();
    const channel = `tabs-${++channels}`;
    const [a, b, c] = ['a', 'b', 'c'].map((name) => openTab(locks, { channel, name })) as [TestTab, TestTab, TestTab];
    await vi.waitFor(() => expect(leaders([a, b, c])).toEqual(['a']));
    a.leadership.stop();
    expect(a.follows).toBe(1);
    await vi.waitFor(() => expect(leaders([a, b, c])).toEqual(['b']));
    await vi.waitFor(() => expect(c.leadership.leader.value?.tab).toBe('b'));
    expect(b.terms[0]).toBeGreaterThan(a.terms[0] as number);
    b.leadership.stop();
    await vi.waitFor(() => expect(leaders([a, b, c])).toEqual(['c']));
    expect(a.terms).toHaveLength(1);
  });

  it('replaces a leader that stops answering, which steps down when it resumes', async () => {
    const locks = createWebLocks();
    const channel = `tabs-${++channels}`;
    const [a, b, c] = ['a', 'b', 'c'].map((name) => openTab(locks, { channel, name })) as [TestTab, TestTab, TestTab];
    await vi.waitFor(() => expect(leaders([a, b, c])).toEqual(['a']));
    a.tab.halt();
    // A halted tab keeps its lock: only a steal can replace it.
    await vi.waitFor(() => expect(leaders([b, c])).toHaveLength(1), { timeout: 40 * BEAT });
    const next = leaders([b, c])[0] === 'b' ? b : c;
    await vi.waitFor(() => expect([b, c].map((t) => t.leadership.leader.value?.tab)).toEqual([next.name, next.name]));
    // Still halted: it has not yet seen that it was replaced.
    expect(a.leadership.isLeader()).toBe(true);

    a.tab.resume();
    await vi.waitFor(() => expect(a.leadership.isLeader()).toBe(false));
    expect(a.follows).toBe(1);
    await vi.waitFor(() => expect(a.leadership.leader.value?.tab).toBe(next.name));
    expect(leaders([a, b, c])).toEqual([next.name]);
    expect(next.terms.at(-1)).toBeGreaterThan(a.terms[0] as number);
    // It stays a follower while the new leader answers: over a dozen of the new leader's announcements heard by
    // it (at most two a beat, one per pinging follower: six beats or more, twice the silence before a takeover),
    // it never leads again.
    const heard = a.heard.length;
    await vi.waitFor(() => expect(a.heard.length - heard).toBeGreaterThanOrEqual(12), { timeout: 60 * BEAT });
    expect(a.leadership.leader.value?.tab).toBe(next.name);
    expect(leaders([a, b, c])).toEqual([next.name]);
    expect(a.terms).toHaveLength(1);
  });

  it('a tab that opens while another leads hears its status at once, without waiting for a heartbeat', async () => {
    const locks = createWebLocks();
    const channel = `tabs-${++channels}`;
    // A beat of a minute: no ping, answer or takeover can come from the timers while this test runs.
    const minute = 60_000;
    const a = openTab(locks, { channel, name: 'a', beatMs: minute });
    await vi.waitFor(() => expect(leaders([a])).toEqual(['a']));
    const b = openTab(locks, { channel, name: 'b', beatMs: minute });
    await vi.waitFor(() => expect(b.heard).toContain('status of a'));
    expect(b.leadership.leader.value?.tab).toBe('a');
    expect(leaders([a, b])).toEqual(['a']);
  });

  it('ignores announcements of a term older than the newest it heard', async () => {
    const locks = createWebLocks();
    const channel = `tabs-${++channels}`;
    const [a, b] = ['a', 'b'].map((name) => openTab(locks, { channel, name })) as [TestTab, TestTab];
    await vi.waitFor(() => expect(b.leadership.leader.value?.tab).toBe('a'));
    const stale = createTabChannel({ name: channel, tab: 'zombie', BroadcastChannel });
    stale.post('leader', { term: 1, status: 'stale' });
    await vi.waitFor(() => expect(b.heard.filter((s) => s === 'status of a').length).toBeGreaterThan(2));
    stale.close();
    expect(b.heard).not.toContain('stale');
    expect(b.leadership.leader.value?.tab).toBe('a');
    expect(leaders([a, b])).toEqual(['a']);
  });
});

describe('the tab channel', () => {
  it('delivers by kind to every other tab, never to the sender', async () => {
    const name = `relay-${++channels}`;
    const [x, y, z] = ['x', 'y', 'z'].map((tab) => createTabChannel({ name, tab, BroadcastChannel }));
    const got: string[] = [];
    for (const c of [x, y, z]) c!.on('presence', (payload, from) => got.push(`${c!.tab}<-${from}:${String(payload)}`));
    const off = z!.on('other', () => got.push('other'));
    off();
    // Sent first: a channel delivers one sender's messages in order.
    x!.post('other');
    x!.post('presence', 'hi');
    z!.post('presence', 'ho');
    await vi.waitFor(() => expect(got.sort()).toEqual(['x<-z:ho', 'y<-x:hi', 'y<-z:ho', 'z<-x:hi']));
    for (const c of [x, y, z]) c!.close();
    expect(() => x!.post('presence', 'after close')).not.toThrow();
  });
});

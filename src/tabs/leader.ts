/**
 * Which tab runs sync. The leader is the tab that holds the Web Lock `name`;
 * the others queue for it, so when the leader closes or crashes the browser
 * grants the lock to the next tab at once.
 *
 * A frozen or hung leader keeps its lock. So followers ping it over the
 * channel, and the leader answers from a timer: Chromium still delivers channel
 * messages to a frozen page, but runs none of its timers (a hidden tab's timers
 * run, at most a second late). A ping left unanswered for three beats makes a
 * follower steal the lock (`steal: true`), after a random pause in which an
 * answer, or another follower's takeover, cancels it.
 *
 * Every leadership has a term: max(now, newest term heard + 1). Announcements
 * carry it, and:
 * - a follower listens only to the newest term it has heard;
 * - a leader steps down at once when it hears a newer term, or when its lock
 *   is stolen (its request rejects).
 * A frozen leader still handles channel messages, so it steps down as soon as
 * its successor announces itself; a hung one, at the first message or lock
 * event it handles. Until then it can only repeat what the store holds: seqs
 * are allocated by the store, in the writing transaction, so anything it
 * pushes has the same (replicaId, seq) and content as what the new leader
 * pushes, and the server acknowledges it as a duplicate.
 */
import { BehaviorSubject } from 'rxjs';
import type { TabChannel } from './channel.js';

/** The part of the Web Locks API (`navigator.locks`) that leader election uses. */
export interface TabLocks {
  request(name: string, options: { signal?: AbortSignal; steal?: boolean }, callback: (lock: unknown) => unknown): Promise<unknown>;
}

export interface Leader {
  readonly tab: string;
  readonly term: number;
}

export interface Leadership {
  /** The leader as this tab knows it (itself while leading); undefined until one is heard. */
  readonly leader: BehaviorSubject<Leader | undefined>;
  isLeader(): boolean;
  /** Leader only: tells the other tabs its status now. */
  announce(): void;
  /** Leaves the election; a leader releases its lock (the next tab takes over). */
  stop(): void;
}

export interface LeadershipOptions {
  readonly name: string;
  readonly channel: TabChannel;
  readonly locks: TabLocks;
  /** Follower ping interval; a silent leader is replaced after three to four of these. */
  readonly beatMs: number;
  /** What the leader announces with its term. */
  readonly status: () => unknown;
  /** A follower heard the current leader's status. */
  readonly onStatus: (status: unknown) => void;
  /** This tab became leader (before its first announcement). */
  readonly onLead: (term: number) => void;
  /** This tab stopped leading. */
  readonly onFollow: () => void;
}

const isNewer = (a: Leader, b: Leader | undefined) => !b || a.term > b.term || (a.term === b.term && a.tab > b.tab);

export function createLeadership(o: LeadershipOptions): Leadership {
  const { channel, beatMs } = o;
  const me = channel.tab;
  const leader = new BehaviorSubject<Leader | undefined>(undefined);
  /** The newest leader heard of, this tab included: older announcements are stale. */
  let known: Leader | undefined;
  let held: { term: number; release: () => void } | undefined;
  /** The lock request that may still make this tab leader; others are ignored when granted. */
  let current: object | undefined;
  let abortQueued = () => {};
  let stopped = false;
  let taking = false;
  let pingedAt = 0;
  let heardAt = 0;

  const announce = () => {
    if (held) channel.post('leader', { term: held.term, status: o.status() });
  };

  function claim(steal: boolean): void {
    const request = {};
    const controller = new AbortController();
    current = request;
    abortQueued = () => controller.abort();
    let mine: typeof held;
    // A stealing request may not carry a signal (Web Locks spec).
    const options = steal ? { steal: true } : { signal: controller.signal };
    const granted = o.locks.request(o.name, options, () => {
      if (stopped || current !== request) return undefined;
      return new Promise<void>((release) => {
        const term = Math.max(Date.now(), (known?.term ?? 0) + 1);
        held = mine = { term, release };
        known = { tab: me, term };
        leader.next(known);
        o.onLead(term);
        announce();
      });
    });
    // Released by us, stolen, or aborted while queued: only a lock still held counts as lost.
    void granted.then(
      () => held === mine && stepDown(),
      () => held === mine && stepDown(),
    );
  }

  function stepDown(): void {
    const was = held;
    if (!was) return;
    held = undefined;
    was.release();
    leader.next(known?.tab === me ? undefined : known);
    o.onFollow();
    pingedAt = heardAt = 0;
    if (!stopped) claim(false);
  }

  /** Steals the lock from a silent leader, unless someone answers during a random pause. */
  function takeOver(since: number): void {
    taking = true;
    setTimeout(() => {
      taking = false;
      if (stopped || held || heardAt >= since) return;
      abortQueued();
      claim(true);
    }, Math.random() * beatMs);
  }

  const offLeader = channel.on('leader', (payload, from) => {
    const term = (payload as { term?: unknown } | undefined)?.term;
    if (typeof term !== 'number') return;
    const heard: Leader = { tab: from, term };
    if (held && !isNewer(heard, known)) return announce(); // a stale leader: let it hear the current term
    if (!isNewer(heard, known) && !(known?.tab === from && known.term === term)) return;
    known = heard;
    if (held) stepDown();
    heardAt = Date.now();
    if (leader.value?.tab !== from || leader.value.term !== term) leader.next(heard);
    o.onStatus((payload as { status?: unknown }).status);
  });
  const offPing = channel.on('ping', () => void setTimeout(announce, 0));
  const timer = setInterval(() => {
    if (held || stopped || taking) return;
    const now = Date.now();
    if (pingedAt <= heardAt) {
      // Any announcement counts as an answer: one follower's ping serves them all.
      if (now - heardAt < beatMs) return;
      pingedAt = now;
      channel.post('ping');
    } else if (now - pingedAt >= 3 * beatMs) {
      takeOver(pingedAt);
    }
  }, beatMs);
  claim(false);
  // A tab that arrives while another leads asks for its status now rather than at its first beat: a page that
  // opens, or a tab that follows a library switch, shows the connection's state at once (not "connecting" for a beat).
  channel.post('ping');

  return {
    leader,
    isLeader: () => held !== undefined,
    announce,
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      offLeader();
      offPing();
      current = undefined;
      abortQueued();
      stepDown();
    },
  };
}

/**
 * Sync shared by the tabs of one replica: the leader tab (see leader.ts) runs
 * the one engine and connection; every tab sees its `state` (relayed over the
 * channel) and all data (through IndexedDB). Ops written in any tab are in the
 * shared op log, and the leader's `host.pending` live query sees them, so the
 * leader pushes them. A follower's `join()` is forwarded to the leader.
 */
import { BehaviorSubject, Subject, type Subscription } from 'rxjs';
import { ErrorCode, TrellisError, createId } from '../core/index.js';
import type { StoreHost } from '../store/index.js';
import type { LeaderSync, Rejection, Sync, SyncState } from '../sync/index.js';
import { pendingFloor, readAtRisk, type OwnSeq } from '../sync/internals.js';
import { createTabChannel, type BroadcastChannelConstructor, type TabChannel } from './channel.js';
import { createFlushRequests } from './flush-requests.js';
import { createLeadership, type Leadership, type TabLocks } from './leader.js';

export interface TabSyncOptions {
  readonly host: StoreHost;
  /** The Web Lock and channel name: one per database and library. */
  readonly name: string;
  /** Starts an engine and connection on `host` (called each time this tab becomes leader). */
  readonly start: (host: StoreHost) => LeaderSync;
  readonly locks: TabLocks;
  readonly BroadcastChannel: BroadcastChannelConstructor;
  readonly beatMs: number;
}

export interface TabSync {
  readonly sync: Sync;
  /** The relay to the other tabs (presence and the like travel here, see shared-tabs.ts). */
  readonly channel: TabChannel;
  readonly leadership: Leadership;
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
  /** The leader it was sent to. */
  readonly to: string;
}

const nothingToJoin = (phase: string) =>
  new TrellisError(ErrorCode.SYNC_NOTHING_TO_JOIN, `Nothing to join: sync is ${phase}. Call join() when phase is 'join-required'.`);
const leaderChanged = () =>
  new TrellisError(ErrorCode.SYNC_LEADER_CHANGED, "Another tab took over sync before the join finished; call join() again when phase is 'join-required'.");

export function createTabSync(o: TabSyncOptions): TabSync {
  const channel = createTabChannel({ name: o.name, tab: createId(), BroadcastChannel: o.BroadcastChannel });
  const state = new BehaviorSubject<SyncState>({ phase: 'connecting', pending: 0 });
  // Every tab reports the leader's rejections: the leader's engine rolls them back, the channel tells the others.
  const rejections = new Subject<Rejection>();
  const offRejection = channel.on('rejection', (payload) => rejections.next(payload as Rejection));
  const fenceKey = `tabs:${o.name}`;
  const waiters = new Map<string, Waiter>();
  let engine: { sync: LeaderSync; subscription: Subscription } | undefined;
  /**
   * A follower's pending: the leader's count, but never less than this tab's own commits past what
   * the leader says is acknowledged (the leader sees them only when its live query answers).
   */
  let leaderAcked: OwnSeq | undefined;
  let ownFirst: OwnSeq | undefined;
  let ownTop: OwnSeq | undefined;
  const withOwn = (next: SyncState): SyncState => {
    // Without the leader's acknowledged seq (not yet read, or a leader of an older version) the leader's count stands.
    const floor = leaderAcked === undefined ? 0 : pendingFloor({ first: ownFirst, top: ownTop, acked: leaderAcked, replicaId: leaderAcked.replicaId });
    return floor > next.pending ? { ...next, pending: floor } : next;
  };
  let stopped = false;
  const show = (next: SyncState) => {
    if (JSON.stringify(next) !== JSON.stringify(state.value)) state.next(next);
  };
  /** This tab could not start sync (its store failed or closed): it leaves the election, so another tab can. */
  const cannotLead = (err: unknown) => {
    const e = err instanceof TrellisError ? err : new TrellisError(ErrorCode.STORAGE_FAILED, String((err as Error)?.message ?? err), { cause: err });
    leadership.stop();
    state.next({ ...state.value, phase: 'error', error: { code: e.code, message: e.message } });
  };

  /**
   * A reset run by a leader that has since been replaced (frozen mid-join, then
   * thawed) must not replace the store's identity under the new leader: each
   * leader records its term in the store, and a reset checks it first.
   */
  async function lead(term: number): Promise<void> {
    const claim = { tab: channel.tab, term };
    await o.host.writeMeta({ [fenceKey]: claim });
    if (leadership.leader.value?.tab !== claim.tab || leadership.leader.value.term !== term) return;
    const fenced: StoreHost = {
      ...o.host,
      resetToSnapshot: async (snapshot, options) => {
        const holder = await o.host.readMeta<typeof claim>(fenceKey);
        if (holder?.tab !== claim.tab || holder.term !== term) throw leaderChanged();
        return o.host.resetToSnapshot(snapshot, options);
      },
    };
    // Always after an await: createSync installs the other plugins once share() returned, before any start.
    const sync = o.start(fenced);
    engine = {
      sync,
      subscription: sync.state.subscribe((next) => {
        state.next(next);
        leadership.announce();
      }),
    };
    engine.subscription.add(sync.rejections.subscribe((rejection) => (rejections.next(rejection), channel.post('rejection', rejection))));
    flushes.leading();
  }

  const leadership = createLeadership({
    name: o.name,
    channel,
    locks: o.locks,
    beatMs: o.beatMs,
    status: () => ({ ...state.value, acked: engine?.sync.acknowledged?.() }),
    onStatus: (status) => {
      const { acked, ...shown } = status as SyncState & { acked?: OwnSeq };
      leaderAcked = acked;
      show(withOwn(shown));
    },
    onLead: (term) => {
      show({ phase: 'connecting', pending: state.value.pending });
      lead(term).catch(cannotLead);
    },
    onFollow: () => {
      const was = engine;
      engine = undefined;
      was?.subscription.unsubscribe();
      void was?.sync.stop();
    },
  });

  // Synchronous: the store announces a commit before the write's promise resolves (the leader's engine counts its own).
  const ownCommits = o.host.localOps.subscribe((ops) => {
    const [first, last] = [ops[0], ops.at(-1)];
    if (engine || first === undefined || last === undefined) return;
    if (ownFirst?.replicaId !== first.replicaId) ownFirst = { replicaId: first.replicaId, seq: first.seq };
    ownTop = { replicaId: last.replicaId, seq: last.seq };
    show(withOwn(state.value));
  });
  const offLeaderChange = leadership.leader.subscribe((next) => {
    for (const waiter of waiters.values()) if (waiter.to !== next?.tab) waiter.reject(leaderChanged());
  });
  const offJoin = channel.on('join', (payload) => {
    const { id, to } = (payload ?? {}) as { id?: unknown; to?: unknown };
    if (!engine || typeof id !== 'string' || to !== channel.tab) return;
    // Every tab hears the answer; only the one waiting for this id acts on it.
    const answer = (error?: { code: string; message: string }) => channel.post('joined', { id, error });
    engine.sync.join().then(
      () => answer(),
      (err: unknown) => {
        const e = err instanceof TrellisError ? err : new TrellisError(ErrorCode.SERVER_INTERNAL, String((err as Error)?.message ?? err));
        answer({ code: e.code, message: e.message });
      },
    );
  });
  // flushed(): a follower asks the leader, whose engine knows what the server acknowledged (flush-requests.ts).
  const flushes = createFlushRequests({ channel, leader: leadership.leader, local: () => engine?.sync.flushed() });

  const offJoined = channel.on('joined', (payload) => {
    const { id, error } = (payload ?? {}) as { id?: string; error?: { code: ErrorCode; message: string } };
    const waiter = id === undefined ? undefined : waiters.get(id);
    if (!waiter) return;
    if (error) waiter.reject(new TrellisError(error.code, error.message));
    else waiter.resolve();
  });

  function forwardJoin(): Promise<void> {
    if (state.value.phase !== 'join-required') return Promise.reject(nothingToJoin(state.value.phase));
    const to = leadership.leader.value?.tab;
    // No leader known: the one that showed 'join-required' is gone, and its successor has not spoken yet.
    if (to === undefined) return Promise.reject(leaderChanged());
    const id = createId();
    const done = new Promise<void>((resolve, reject) => {
      const settle = () => waiters.delete(id);
      waiters.set(id, { resolve: () => (settle(), resolve()), reject: (err) => (settle(), reject(err)), to });
    });
    channel.post('join', { id, to });
    return done;
  }

  const sync: Sync = {
    state: state.asObservable(),
    join: () => (engine ? engine.sync.join() : forwardJoin()),
    // Not relayed (yet): only the leading tab's engine sends a hello; a new leader starts from createSync's `query`.
    setQuery: (query) =>
      engine
        ? engine.sync.setQuery(query)
        : Promise.reject(new TrellisError(ErrorCode.INVALID_ARGUMENT, 'With sharedTabs(), setQuery works in the tab that leads the connection only; pass `query` to createSync in every tab instead.')),
    flushed: () => flushes.flushed(),
    // The store is shared by the tabs: any tab reads what a join would archive.
    atRisk: () => readAtRisk(o.host),
    rejections: rejections.asObservable(),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      const running = engine?.sync;
      offLeaderChange.unsubscribe();
      ownCommits.unsubscribe();
      offJoin();
      offJoined();
      offRejection();
      leadership.stop();
      channel.close();
      for (const waiter of waiters.values()) waiter.reject(new TrellisError(ErrorCode.SYNC_STOPPED, 'Sync was stopped before the join finished.'));
      flushes.stop();
      await running?.stop();
      const { progress: _p, joinRequired: _j, ...rest } = state.value;
      state.next({ ...rest, phase: 'offline' });
    },
  };
  return { sync, channel, leadership };
}

/**
 * The demo's sync session: which library this browser syncs with, the current
 * `createSync` for it, and the "Join library" flow around `sync.join()`.
 *
 * Switching library means a new `createSync` (autoJoin 'never'). The server
 * does not know this replica in the other library, so it answers `reset`;
 * the phase becomes 'join-required' with the number of local changes a reset
 * would archive. Nothing at risk: join at once. Otherwise the UI asks first.
 *
 * Every tab of this browser runs a session over the one store; the shared
 * tabs plugin makes one of them hold the connection and the others follow it
 * ('standby'). The library and "Pause sync" are per browser (prefs in
 * localStorage): a tab that sees another change them follows (`follow`).
 */
import { BehaviorSubject, type Observable, type Subscription } from 'rxjs';
import { presence as presencePlugin, type PresenceSync } from 'trellis/presence';
import { createSync, type AutoJoin, type JoinReason, type Sync, type SyncState } from 'trellis/sync';
import { sharedTabs } from 'trellis/tabs';
import { fetchDevToken, loadConfig, TokenError, type DemoConfig } from './dev-server.js';
import { joinedText, type ReplicaChange } from './join-notice.js';
import { normalizeCode, readPrefs, switchedTo, writePrefs, type Prefs } from './prefs.js';
import { createPresenceRelay, type PresenceRelay } from './presence-relay.js';
import { ProbeError, probeLibrary } from './probe-library.js';
import { problemOf, type Problem, type ProblemInput } from './problems.js';
import type { ListStore } from './schema.js';
import { tabRole, type TabRole } from './tab-role.js';

export type { Problem, ReplicaChange };

export interface PendingJoin {
  readonly library: string;
  readonly reason: JoinReason;
  /** Local changes the join would move to the archive (live). */
  readonly atRisk: number;
  /** The library to go back to instead. */
  readonly previous: string | undefined;
  /** Open the consent dialog now (the user just asked to join); false once they cancelled. */
  readonly ask: boolean;
}

export interface Notice {
  readonly tone: 'info' | 'warn';
  readonly text: string;
}

export interface SessionStatus extends ProblemInput {
  /** 'standby' while another tab of this browser holds the connection (this one shows its state). */
  readonly mode: 'starting' | 'standby' | 'active';
  readonly prefs: Prefs;
  readonly replicaId: string;
  readonly syncUrl: string | undefined;
  readonly online: boolean;
  readonly paused: boolean;
  readonly sync: SyncState;
  readonly problem: Problem | undefined;
  /** A library code being checked before switching to it. */
  readonly checking: string | undefined;
  readonly pendingJoin: PendingJoin | undefined;
  readonly joining: boolean;
  readonly notice: Notice | undefined;
  /** The last replica id change seen in this page (a join), said next to the id. */
  readonly replicaChange: ReplicaChange | undefined;
}

export interface Session {
  readonly status: Observable<SessionStatus>;
  /** Who else is online in the library, and what this device shows them; follows each new sync. */
  readonly presence: PresenceRelay;
  /** The current `Sync` (a new one on every reconnect, pause or library switch), for the devtools panel. */
  readonly syncs: Observable<Sync | undefined>;
  readonly current: () => SessionStatus;
  start(): Promise<void>;
  /** Another tab changed the library or "Pause sync" (prefs in localStorage): this one follows. */
  follow(next: Prefs): void;
  setPaused(paused: boolean): void;
  /** Reconnects now instead of waiting for the next retry. */
  retry(): void;
  switchLibrary(code: string): Promise<void>;
  /** The user consented: archive the changes at risk, then reset to the library. */
  join(): Promise<void>;
  /** Closes the consent dialog; sync waits in 'join-required' and nothing local changes. */
  postpone(): void;
  /** Opens the consent dialog again. */
  review(): void;
  /** Gives up the pending join and syncs with the previous library again. */
  goBack(): void;
  notify(notice: Notice): void;
  dismissNotice(): void;
  markReapplied(archiveId: string): void;
}

/** The demo's Sync: with presence, shared tabs and the tab-role plugin. */
type DemoSync = Sync & { readonly tabRole: TabRole; readonly presence: PresenceSync['presence'] };

export function createSession(store: ListStore): Session {
  let prefs = readPrefs();
  let config: DemoConfig | undefined;
  let sync: DemoSync | undefined;
  let subscription: Subscription | undefined;
  let tokenError: TokenError | undefined;
  /** The library the user asked to join in this page (its join-required means "ask now"). */
  let requested: string | undefined;
  /** Set while this tab runs a join: what to say once the library is live. */
  let joiningFrom: { readonly replicaId: string; readonly atRisk: number } | undefined;
  const presence = createPresenceRelay();
  const syncs = new BehaviorSubject<Sync | undefined>(undefined);
  const status = new BehaviorSubject<SessionStatus>({
    mode: 'starting',
    prefs,
    replicaId: store.replicaId,
    syncUrl: undefined,
    online: navigator.onLine,
    paused: prefs.paused,
    sync: { phase: 'connecting', pending: 0 },
    problem: undefined,
    checking: undefined,
    pendingJoin: undefined,
    joining: false,
    notice: undefined,
    replicaChange: undefined,
  });
  const update = (patch: Partial<SessionStatus>) => {
    const was = status.value;
    // A reset (a join, in this tab or the one holding the connection) gives the store a new replica id.
    const replicaChange =
      store.replicaId !== was.replicaId && was.mode !== 'starting'
        ? { library: prefs.library, from: was.replicaId, to: store.replicaId, archived: joiningFrom?.replicaId === was.replicaId ? joiningFrom.atRisk : undefined }
        : (patch.replicaChange ?? was.replicaChange);
    const next = { ...was, ...patch, prefs, replicaId: store.replicaId, paused: prefs.paused, replicaChange };
    status.next({ ...next, problem: problemOf(next, tokenError) });
  };
  // A reset run by the tab holding the connection reaches this tab's store a moment after its state: look again when the list changes.
  store.collection('items').find().subscribe(() => {
    if (store.replicaId === status.value.replicaId) return;
    update({});
    sayJoined();
  });
  addEventListener('online', () => update({ online: true }));
  addEventListener('offline', () => update({ online: false }));
  const setPrefs = (next: Prefs) => {
    prefs = next;
    writePrefs(prefs);
  };

  const getToken = async (library: string) => {
    try {
      const token = await fetchDevToken({ library, user: prefs.user });
      tokenError = undefined;
      return token;
    } catch (err) {
      tokenError = err instanceof TokenError ? err : new TokenError('unreachable', String(err));
      update({});
      throw err;
    }
  };

  function disconnect(): void {
    subscription?.unsubscribe();
    subscription = undefined;
    presence.attach(undefined);
    syncs.next(undefined);
    sync?.tabRole.stop();
    void sync?.stop();
    sync = undefined;
  }

  function connect(autoJoin: AutoJoin): void {
    disconnect();
    if (!config || prefs.paused) return;
    const library = prefs.library;
    // "Online now" (presence), one connection for all tabs of this browser (shared tabs), and which tab holds it.
    const plugins = [presencePlugin(), sharedTabs(), tabRole()] as const;
    const next = createSync(store, { url: config.syncUrl, library, autoJoin, getToken: () => getToken(library), plugins });
    sync = next;
    presence.attach(next);
    syncs.next(next);
    subscription = next.state.subscribe((state) => onState(next, library, state));
    subscription.add(next.tabRole.leading.subscribe((leading) => from(next) && update({ mode: leading === false ? 'standby' : 'active' })));
  }
  const from = (candidate: Sync) => candidate === sync;

  function onState(current: Sync, library: string, state: SyncState): void {
    if (!from(current)) return;
    let pendingJoin: PendingJoin | undefined;
    if (state.phase === 'join-required' && state.joinRequired && !status.value.joining) {
      const { reason, atRisk } = state.joinRequired;
      if (requested === library && atRisk === 0) {
        // Nothing would be archived, and the user asked for this library: no need to ask again.
        void join();
      } else {
        const ask = status.value.pendingJoin?.library === library ? status.value.pendingJoin.ask : requested === library;
        pendingJoin = { library, reason, atRisk, previous: prefs.previous, ask };
      }
    }
    if (state.phase === 'live') tokenError = undefined;
    update({ sync: state, pendingJoin });
    sayJoined();
  }

  /** Once this tab's join is live under the new replica id (the store may learn it after the state, in a follower tab). */
  function sayJoined(): void {
    if (!joiningFrom || status.value.sync.phase !== 'live' || store.replicaId === joiningFrom.replicaId) return;
    joiningFrom = undefined;
    update({ notice: { tone: 'info', text: joinedText({ library: prefs.library, previous: prefs.previous, change: status.value.replicaChange }) } });
  }

  async function join(): Promise<void> {
    const current = sync;
    if (!current) return;
    joiningFrom = { replicaId: store.replicaId, atRisk: status.value.pendingJoin?.atRisk ?? 0 };
    update({ joining: true, pendingJoin: undefined });
    try {
      await current.join();
    } catch (err) {
      joiningFrom = undefined;
      if (from(current)) update({ notice: { tone: 'warn', text: `Joining failed: ${(err as Error).message}` } });
    } finally {
      requested = undefined;
      update({ joining: false });
    }
  }

  async function switchLibrary(input: string): Promise<void> {
    const library = normalizeCode(input);
    if (library === undefined) {
      return update({ notice: { tone: 'warn', text: 'A library code is letters, digits and dashes, like “k7mq-x2pa-9dfe”.' } });
    }
    if (library === prefs.library) return update({ notice: { tone: 'info', text: `This device already syncs with library “${library}”.` } });
    if (!navigator.onLine) return update({ notice: { tone: 'warn', text: 'You are offline: joining a library needs the server. Try again when you are back online.' } });
    update({ checking: library, notice: undefined });
    try {
      config ??= await loadConfig();
      const token = await fetchDevToken({ library, user: prefs.user, role: 'read' });
      if ((await probeLibrary({ syncUrl: config.syncUrl, library, token })) === 'empty') {
        return update({
          notice: {
            tone: 'warn',
            text: `There is no library “${library}” on this server yet. Check the code; to start sharing, give others your code “${prefs.library}”.`,
          },
        });
      }
    } catch (err) {
      const reason = err instanceof ProbeError || err instanceof TokenError ? err.message : String(err);
      return update({ notice: { tone: 'warn', text: `Could not reach library “${library}”: ${reason}` } });
    } finally {
      update({ checking: undefined });
    }
    requested = library;
    setPrefs(switchedTo(prefs, library));
    update({ pendingJoin: undefined, sync: { phase: 'connecting', pending: status.value.sync.pending } });
    connect('never');
  }

  function goBack(): void {
    const previous = status.value.pendingJoin?.previous ?? prefs.previous;
    if (!previous) return;
    requested = undefined;
    setPrefs(switchedTo(prefs, previous));
    update({
      pendingJoin: undefined,
      sync: { phase: 'connecting', pending: status.value.sync.pending },
      notice: { tone: 'info', text: `Back to library “${previous}”. Nothing was archived.` },
    });
    connect('when-nothing-at-risk');
  }

  function applyPaused(): void {
    if (prefs.paused) {
      disconnect();
      update({ mode: 'active', sync: { phase: 'offline', pending: status.value.sync.pending } });
    } else {
      update({});
      connect(requested === prefs.library ? 'never' : 'when-nothing-at-risk');
    }
  }

  return {
    status: status.asObservable(),
    presence,
    syncs: syncs.asObservable(),
    current: () => status.value,
    async start() {
      update({ mode: 'active' });
      try {
        config = await loadConfig();
      } catch (err) {
        tokenError = new TokenError('unreachable', `The demo server did not answer (${(err as Error).message}).`);
      }
      update({ syncUrl: config?.syncUrl, sync: config && !prefs.paused ? status.value.sync : { phase: 'offline', pending: 0 } });
      connect('when-nothing-at-risk');
    },
    follow(next) {
      const switched = next.library !== prefs.library;
      const paused = next.paused !== prefs.paused;
      prefs = next;
      if (switched) {
        // The tab that switched asks and joins (or its leader does): this one shows the same sync, and waits.
        requested = undefined;
        update({ pendingJoin: undefined, notice: undefined, sync: { phase: 'connecting', pending: status.value.sync.pending } });
        connect('never');
      } else if (paused) {
        applyPaused();
      } else {
        update({});
      }
    },
    setPaused(paused) {
      if (paused === prefs.paused) return;
      setPrefs({ ...prefs, paused });
      applyPaused();
    },
    retry() {
      if (prefs.paused) return;
      void (async () => {
        config ??= await loadConfig().catch(() => undefined);
        update({ syncUrl: config?.syncUrl });
        connect(requested === prefs.library ? 'never' : 'when-nothing-at-risk');
      })();
    },
    switchLibrary,
    join,
    postpone() {
      const pending = status.value.pendingJoin;
      if (pending) update({ pendingJoin: { ...pending, ask: false } });
    },
    review() {
      const pending = status.value.pendingJoin;
      if (pending) update({ pendingJoin: { ...pending, ask: true } });
    },
    goBack,
    notify: (notice) => update({ notice }),
    dismissNotice: () => update({ notice: undefined }),
    markReapplied(archiveId) {
      setPrefs({ ...prefs, reapplied: [...prefs.reapplied, archiveId] });
      update({});
    },
  };
}

/**
 * The client side of the sync protocol (see protocol/index.ts for the flow):
 * the shell around the pure engine in ./engine/step.ts. It turns socket
 * events, frames, commits, timers and the app's calls into events, steps
 * them, and carries out the effects.
 *
 * Events are stepped one at a time, in arrival order, and a store call's
 * result is stepped before the next queued event: each call's effect (ops
 * applied, cursor stored) is durable before the next frame is looked at.
 * Three events skip the queue, because they must show at once and make no
 * store call: a socket's close (a task still running for that connection
 * then finds it stale, and may no longer send or change the phase), a local
 * commit (pending counts it before put() resolves), and the store's pending
 * count.
 */
import { BehaviorSubject, Subject } from 'rxjs';
import type { JsonObject, Op } from '../core/index.js';
import { ErrorCode, TrellisError } from '../core/index.js';
import { decodeServerMessage, encodeMessage } from '../protocol/index.js';
import type { PresenceUpdateMessage, Query } from '../protocol/index.js';
import type { StoreHost } from '../store/index.js';
import { CURSOR_INTERVAL_MS } from './cursor-throttle.js';
import type { Effect, StoreCall, SyncError } from './engine/effects.js';
import type { EngineEvent } from './engine/events.js';
import { createSession, type Session } from './engine/session.js';
import { step } from './engine/step.js';
import { runStoreCall } from './engine/store-calls.js';
import type { Transport } from './transport.js';
import type { AutoJoin, Rejection, SyncState } from './types.js';

export interface EngineOptions {
  readonly host: StoreHost;
  readonly library: string;
  readonly autoJoin: AutoJoin;
  /** Presence frames skip the engine: they touch no storage and must not wait behind a catch-up. */
  readonly onPresence?: (message: PresenceUpdateMessage) => void;
  /** The replication query (createSync's `query`, already checked); default the whole library. */
  readonly query?: Query;
}

const syncStopped = () => new TrellisError(ErrorCode.SYNC_STOPPED, 'Sync was stopped before every write was acknowledged.');
const archivedBeforeFlush = () =>
  new TrellisError(ErrorCode.SYNC_JOIN_REQUIRED, 'A reset (join) archived writes made before flushed() instead of sending them; find them in store.archives.');

const asSyncError = (err: unknown): SyncError => {
  const e = err instanceof TrellisError ? err : new TrellisError(ErrorCode.SERVER_INTERNAL, String((err as Error)?.message ?? err));
  return { code: e.code, message: e.message };
};

export function createEngine(options: EngineOptions) {
  const { host } = options;
  let session: Session = createSession({ library: options.library, autoJoin: options.autoJoin, ...(options.query ? { query: options.query } : {}) });
  const state = new BehaviorSubject<SyncState>(session.state);
  const rejections = new Subject<Rejection>();
  let transport: Transport | undefined;
  /** Connections are numbered as sockets open and close; an event carries the number current when it arrived. */
  let arrived = 0;
  let queue = Promise.resolve();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const joinWaiters: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  /** flushed() calls: each waits until the store's own ops up to `seq` of `replicaId` are acknowledged. */
  let flushWaiters: { replicaId: string; seq: number; resolve: () => void; reject: (err: unknown) => void }[] = [];
  let stopped = false;

  /** setQuery() calls: each resolves once a connection whose hello asked for its query is live. */
  let queryWaiters: { query: Query; resolve: () => void; reject: (err: unknown) => void }[] = [];

  /** Settles the flushed() and setQuery() waiters the session now answers (called after every step). */
  function settleFlushed(): void {
    if (queryWaiters.length > 0) {
      const live = session.state.phase === 'live' ? session.link.query : undefined;
      queryWaiters = queryWaiters.filter((w) => (w.query === live || (w.query !== session.query && live === session.query) ? (w.resolve(), false) : true));
    }
    if (flushWaiters.length === 0) return;
    const { acked, replicaId, refused } = session;
    if (refused) {
      for (const w of flushWaiters.splice(0)) w.reject(new TrellisError(refused.code as ErrorCode, refused.message));
      return;
    }
    flushWaiters = flushWaiters.filter((w) => {
      if (acked?.replicaId === w.replicaId && acked.seq >= w.seq) return w.resolve(), false;
      // A reset gave the store a new id: those writes were archived, never acknowledged.
      if (replicaId !== undefined && replicaId !== w.replicaId) return w.reject(archivedBeforeFlush()), false;
      return true;
    });
  }

  /** Carries out one effect; a store call returns the event its result makes. */
  function perform(effect: Effect): Promise<EngineEvent> | undefined {
    switch (effect.type) {
      case 'send':
        transport?.send(encodeMessage(effect.message));
        return undefined;
      case 'publish':
        state.next(effect.state);
        return undefined;
      case 'settle-joins': {
        const { error } = effect;
        for (const waiter of joinWaiters.splice(0)) error ? waiter.reject(new TrellisError(error.code as ErrorCode, error.message)) : waiter.resolve();
        return undefined;
      }
      case 'timer':
        if (timer !== undefined) clearTimeout(timer);
        timer = effect.action === 'start' ? setTimeout(() => ((timer = undefined), enqueue({ type: 'tick' })), CURSOR_INTERVAL_MS) : undefined;
        return undefined;
      case 'reconnect':
        transport?.reconnect?.();
        return undefined;
      case 'close':
        transport?.close();
        return undefined;
      case 'rejected':
        rejections.next(effect.rejection);
        return undefined;
      case 'store':
        return callStore(effect.call, effect.connection ?? session.connection);
      default:
        return undefined;
    }
  }

  async function callStore(call: StoreCall, connection: number): Promise<EngineEvent> {
    try {
      const value = await runStoreCall(host, call, session.cursorKey);
      return { type: 'stored', connection, call, value } as EngineEvent;
    } catch (err) {
      return { type: 'store-failed', connection, call, error: asSyncError(err) };
    }
  }

  /** Steps `event`, then each store call's result in turn, until a step makes no store call. */
  async function run(event: EngineEvent): Promise<void> {
    let current: EngineEvent | undefined = event;
    while (current !== undefined) {
      const out = step(session, current);
      session = out.session;
      settleFlushed();
      current = undefined;
      for (const effect of out.effects) {
        const call = perform(effect);
        if (call !== undefined) current = await call;
      }
    }
  }

  /**
   * Steps an event now, between queued steps. A store call it makes (a join's
   * new id) waits its turn in the queue: store calls never overlap.
   */
  function runNow(event: EngineEvent): void {
    const out = step(session, event);
    session = out.session;
    settleFlushed();
    for (const effect of out.effects) {
      if (effect.type !== 'store') {
        perform(effect);
        continue;
      }
      const connection = effect.connection ?? session.connection;
      queue = queue.then(() => callStore(effect.call, connection).then(run)).catch(report);
    }
  }

  const report = (err: unknown) => runNow({ type: 'report', error: asSyncError(err) });
  const enqueue = (event: EngineEvent): Promise<void> => {
    queue = queue.then(() => run(event)).catch(report);
    return queue;
  };
  void enqueue({ type: 'start' });

  return {
    state,
    /** Own writes the server rejected, each once the store rolled it back (Sync.rejections). */
    rejections: rejections.asObservable(),
    /** The highest own seq the store acknowledged, as this engine knows it (relayed to follower tabs). */
    acknowledged: () => session.acked,
    attach(next: Transport) {
      transport = next;
      next.onOpen(() => void enqueue({ type: 'opened', connection: ++arrived }));
      next.onMessage((frame) => {
        const decoded = decodeServerMessage(frame);
        if (!decoded.ok) return report(decoded.error);
        const message = decoded.value;
        if (message.type === 'presence') return options.onPresence?.(message);
        void enqueue({ type: 'frame', connection: arrived, message });
      });
    },
    onDisconnected(phase: 'offline' | 'error', error?: SyncState['error']) {
      runNow({ type: 'closed', connection: ++arrived, phase, ...(error ? { error } : {}) });
    },
    /** This store instance committed `ops`: pending counts them now, and they are pushed. */
    committed(ops: readonly Op[]) {
      runNow({ type: 'committed', ops });
      return enqueue({ type: 'pump', written: ops });
    },
    /** The store's live count of unacknowledged own ops. */
    pending(count: number) {
      runNow({ type: 'pending', count });
      void enqueue({ type: 'pump' });
      return enqueue({ type: 'refresh-at-risk' });
    },
    pump: (written?: readonly Op[]) => enqueue({ type: 'pump', ...(written ? { written } : {}) }),
    /** An error found outside the engine (file uploads): shown in state.error. */
    report: (error: SyncError) => runNow({ type: 'report', error }),
    /** One presence state on the live connection; dropped when not live (the next connection sends the latest). */
    sendPresence(presence: JsonObject | null) {
      if (state.value.phase === 'live') transport?.send(encodeMessage({ type: 'presence', state: presence }));
    },
    join(): Promise<void> {
      if (session.refused) return Promise.reject(new TrellisError(session.refused.code as ErrorCode, session.refused.message));
      if (state.value.phase !== 'join-required') {
        return Promise.reject(
          new TrellisError(ErrorCode.SYNC_NOTHING_TO_JOIN, `Nothing to join: sync is ${state.value.phase}. Call join() when phase is 'join-required'.`),
        );
      }
      const done = new Promise<void>((resolve, reject) => joinWaiters.push({ resolve, reject }));
      // Counted at once, as the waiter is: used by this connection if it still waits for it, otherwise by
      // the next reset decision (the waiter is the consent).
      runNow({ type: 'join' });
      return done;
    },
    /** Resolves once every own op the store held when called is acknowledged by the server (see Sync.flushed). */
    async flushed(): Promise<void> {
      if (stopped) throw syncStopped();
      if (session.refused) throw new TrellisError(session.refused.code as ErrorCode, session.refused.message);
      const [replicaId, seq] = await Promise.all([host.replicaId(), host.localSeq()]);
      if (stopped) throw syncStopped();
      const done = new Promise<void>((resolve, reject) => flushWaiters.push({ replicaId, seq, resolve, reject }));
      settleFlushed();
      return done;
    },
    /** A new replication query (checked by the caller): the next hello asks for it; resolves once live with it (or a later one). */
    setQuery(query: Query): Promise<void> {
      if (stopped) return Promise.reject(syncStopped());
      const done = new Promise<void>((resolve, reject) => queryWaiters.push({ query, resolve, reject }));
      runNow({ type: 'set-query', query });
      return done;
    },
    stopped() {
      stopped = true;
      for (const waiter of queryWaiters.splice(0)) waiter.reject(syncStopped());
      for (const waiter of flushWaiters.splice(0)) waiter.reject(syncStopped());
      runNow({ type: 'stop' });
      // Waiters that joined after the engine counted them (none by construction) are not left hanging.
      for (const waiter of joinWaiters.splice(0)) waiter.reject(new TrellisError(ErrorCode.SYNC_STOPPED, 'Sync was stopped before the join finished.'));
      if (timer !== undefined) clearTimeout(timer);
      transport = undefined;
    },
  };
}

/**
 * The client side of the sync protocol (see protocol/index.ts for the flow).
 * Frames are handled strictly one after another, because each one's effect
 * (ops applied, cursor stored) must be durable before the next is looked at.
 */
import { BehaviorSubject } from 'rxjs';
import type { Baseline, JsonObject, Op } from '../core/index.js';
import { ErrorCode, TS_LENGTH, TrellisError, unexpectedCase } from '../core/index.js';
import { PROTOCOL_VERSION, decodeServerMessage, encodeMessage } from '../protocol/index.js';
import type { ClientMessage, Cursor, DecisionMessage, PresenceUpdateMessage, ServerMessage, ServerOp } from '../protocol/index.js';
import type { StoreHost } from '../store/index.js';
import { pushBatch, seedChunks, seedOrder } from './chunks.js';
import { createCursorThrottle } from './cursor-throttle.js';
import type { Transport } from './transport.js';
import type { AutoJoin, JoinReason, SyncState } from './types.js';

export interface EngineOptions {
  readonly host: StoreHost;
  readonly library: string;
  readonly autoJoin: AutoJoin;
  /** Presence frames skip the queue: they touch no storage and must not wait behind a catch-up. */
  readonly onPresence?: (message: PresenceUpdateMessage) => void;
}

interface Session {
  reason?: JoinReason;
  epoch?: string;
  /** A push is on the wire; the next waits for its ack. */
  pushing: boolean;
  /** The server refused a push: stop pushing until the next connection. */
  pushBlocked: boolean;
  /** The id this replica will have after the reset it asked for. */
  joiningAs?: string;
  snapshot?: { baselines: Baseline[]; ops: ServerOp[] };
  seeded?: Parameters<typeof seedOrder>[0];
  seededUpTo?: number;
  /** The server seq stored as this library's cursor (this engine is its only writer, so it need not be read back). */
  cursor: number;
  /** The last own op pushed on this connection: every op of that replica up to it is on the wire or acknowledged. */
  pushedThrough?: { readonly replicaId: string; readonly seq: number };
}

export function createEngine(options: EngineOptions) {
  const { host, library } = options;
  const cursorKey = `sync:${library}`;
  const state = new BehaviorSubject<SyncState>({ phase: 'connecting', pending: 0 });
  let transport: Transport | undefined;
  let session: Session = { pushing: false, pushBlocked: false, cursor: 0 };
  let queue = Promise.resolve();
  /**
   * Connections are numbered. A frame is handled only if its connection is
   * still the current one: frames of a closed connection are dropped (the next
   * hello re-derives everything they carried), and a task still running when
   * its connection closed may no longer send or change the phase. Otherwise a
   * stale `synced` could store a cursor without an epoch, or mark sync live
   * while it is offline.
   */
  let connection = 0;
  /** The connection of the task now running (tasks run one at a time). */
  let running = 0;
  const stale = () => running !== connection;
  const joinWaiters: { resolve: () => void; reject: (err: unknown) => void }[] = [];

  const patch = (next: Partial<SyncState>) => state.next({ ...state.value, ...next });
  const setPhase = (phase: SyncState['phase'], extra: Partial<SyncState> = {}) => {
    const { progress: _p, joinRequired: _j, ...rest } = state.value;
    state.next({ ...rest, phase, ...extra });
  };
  const send = (message: ClientMessage) => {
    if (!stale()) transport?.send(encodeMessage(message));
  };
  // Cancelled when the connection closes, so a cursor never crosses into the next connection.
  const cursors = createCursorThrottle((serverSeq) => {
    if (state.value.phase === 'live') transport?.send(encodeMessage({ type: 'cursor', serverSeq }));
  });
  const reportError = (err: unknown) => {
    const e = err instanceof TrellisError ? err : new TrellisError(ErrorCode.SERVER_INTERNAL, String((err as Error)?.message ?? err));
    patch({ error: { code: e.code, message: e.message } });
  };

  async function hello(): Promise<void> {
    session = { pushing: false, pushBlocked: false, cursor: 0 };
    setPhase('syncing');
    const cursor = (await host.readMeta<Cursor>(cursorKey)) ?? null;
    session.cursor = cursor?.serverSeq ?? 0;
    send({
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      replicaId: await host.replicaId(),
      cursor,
      localSeq: await host.localSeq(),
      atRisk: await host.countAtRisk(),
    });
  }

  async function onDecision(message: DecisionMessage): Promise<void> {
    session.epoch = message.epoch;
    session.reason = message.decision === 'reset' ? message.reason : undefined;
    switch (message.decision) {
      case 'accept': {
        const history = await host.exportHistory();
        const me = await host.replicaId();
        session.seeded = history.ops;
        // Only what the seed carries is acknowledged by it; writes made meanwhile are pushed after.
        // Own writes compacted before any sync travel inside baselines (heads) and count too.
        let upTo = 0;
        for (const op of history.ops) if (op.replicaId === me) upTo = Math.max(upTo, op.seq);
        for (const b of history.baselines) for (const e of b.state.entries) if (e.stamp.slice(TS_LENGTH) === me) upTo = Math.max(upTo, e.seq);
        session.seededUpTo = upTo;
        for (const chunk of seedChunks(history)) send(chunk);
        return;
      }
      case 'resume':
        if (message.replicaSeq > 0) await host.acknowledge({ fromSeq: 1, toSeq: message.replicaSeq });
        return;
      case 'reset': {
        const reason: JoinReason = message.reason;
        const atRisk = await host.countAtRisk();
        if (stale()) return;
        // A join() still waiting is the user's consent: a connection lost mid-join does not ask again.
        if (joinWaiters.length > 0) return startJoin();
        if (options.autoJoin === 'always' || (options.autoJoin === 'when-nothing-at-risk' && atRisk === 0)) return startJoin();
        setPhase('join-required', { joinRequired: { reason, atRisk } });
        return;
      }
      default:
        return unexpectedCase(message);
    }
  }

  function startJoin(): void {
    // The store's generator, so a store with an injected createId (seeded tests) gets replayable ids.
    session.joiningAs = host.createId();
    session.snapshot = { baselines: [], ops: [] };
    setPhase('resetting', { progress: { received: 0, total: 0 } });
    send({ type: 'join', replicaId: session.joiningAs });
  }

  async function onSnapshot(message: Extract<ServerMessage, { type: 'snapshot' }>): Promise<void> {
    const buffer = session.snapshot;
    if (!buffer || !session.joiningAs) return;
    buffer.baselines.push(...message.baselines);
    buffer.ops.push(...message.ops);
    patch({ progress: message.progress });
    if (!message.done) return;
    await host.resetToSnapshot(buffer, {
      replicaId: session.joiningAs,
      reason: session.reason ?? 'late-joiner',
      horizon: message.horizon,
      meta: { [cursorKey]: { epoch: message.epoch, serverSeq: message.serverSeq } },
    });
    session.snapshot = undefined;
    session.cursor = message.serverSeq;
    session.pushedThrough = undefined;
  }

  async function onOps(message: Extract<ServerMessage, { type: 'ops' }>): Promise<void> {
    // Read before any await: a disconnect meanwhile replaces the session.
    const epoch = session.epoch;
    if (message.ops.length === 0 || !epoch) return;
    const serverSeq = message.ops.reduce((max, e) => Math.max(max, session.cursor, e.serverSeq), 0);
    const current = session;
    await host.applyRemote(message.ops, { [cursorKey]: { epoch, serverSeq } });
    current.cursor = serverSeq;
    if (message.progress) patch({ progress: message.progress });
    if (state.value.phase === 'live' && !stale()) cursors.offer(serverSeq);
  }

  async function onSynced(serverSeq: number): Promise<void> {
    // Read before any await: a disconnect meanwhile replaces the session.
    const current = session;
    const { epoch, seeded, seededUpTo } = current;
    if (epoch === undefined) return;
    if (seeded) {
      // The server numbered the seed's ops 1..n in this order; record that, and our own ops as acknowledged.
      const ordered = seedOrder(seeded).map((op, i) => ({ serverSeq: i + 1, op }));
      await host.applyRemote(ordered, { [cursorKey]: { epoch, serverSeq } });
      if (seededUpTo) await host.acknowledge({ fromSeq: 1, toSeq: seededUpTo });
      current.seeded = undefined;
      current.cursor = serverSeq;
    } else {
      const cursor = Math.max(current.cursor, serverSeq);
      await host.writeMeta({ [cursorKey]: { epoch, serverSeq: cursor } });
      current.cursor = cursor;
    }
    if (stale()) return;
    session.joiningAs = undefined;
    const { error: _cleared, progress: _done, joinRequired: _joined, ...rest } = state.value;
    state.next({ ...rest, phase: 'live' });
    send({ type: 'cursor', serverSeq: session.cursor });
    for (const waiter of joinWaiters.splice(0)) waiter.resolve();
    await pump();
  }

  async function onAck(message: Extract<ServerMessage, { type: 'ack' }>): Promise<void> {
    await host.acknowledge(message);
    session.pushing = false;
    await pump();
  }

  function onError(message: Extract<ServerMessage, { type: 'error' }>): void {
    if (message.code === ErrorCode.SYNC_JOIN_REQUIRED) return;
    patch({ error: { code: message.code, message: message.message } });
    // A refused presence is no answer to the push in flight.
    if (session.pushing && !message.code.startsWith('PRESENCE_')) {
      // The server refused our push; retrying the same ops cannot succeed.
      session.pushing = false;
      session.pushBlocked = true;
    }
    for (const waiter of joinWaiters.splice(0)) waiter.reject(new TrellisError(message.code as ErrorCode, message.message));
  }

  /**
   * Pushes unacknowledged ops, one batch in flight at a time. `written` are
   * ops this tab just committed: when they directly follow the last batch
   * pushed, they go out as they are, without reading the log back (ops from
   * other tabs, or after a gap, are read from the log as usual).
   */
  async function pump(written?: readonly Op[]): Promise<void> {
    if (state.value.phase !== 'live' || session.pushing || session.pushBlocked || !transport) return;
    const first = written?.[0];
    const last = session.pushedThrough;
    // A reset starts a new replica id at seq 1: the id must match too.
    const follows = first !== undefined && last !== undefined && first.replicaId === last.replicaId && first.seq === last.seq + 1;
    const ops = pushBatch(follows ? (written as Op[]) : await host.readUnacknowledged(1000));
    if (ops.length === 0 || session.pushing) return;
    session.pushing = true;
    const { replicaId, seq } = ops.at(-1) as Op;
    session.pushedThrough = { replicaId, seq };
    send({ type: 'push', ops });
  }

  async function handle(message: ServerMessage): Promise<void> {
    switch (message.type) {
      case 'decision':
        return onDecision(message);
      case 'ops':
        return onOps(message);
      case 'snapshot':
        return onSnapshot(message);
      case 'synced':
        return onSynced(message.serverSeq);
      case 'ack':
        return onAck(message);
      case 'horizon':
        await host.compact({ horizon: message.serverSeq });
        return;
      case 'error':
        return onError(message);
      case 'presence':
        return options.onPresence?.(message);
      default:
        return unexpectedCase(message);
    }
  }

  /** Runs `task` after everything queued before it; failures are reported, never swallowed. */
  const enqueue = (task: () => Promise<void>, of?: number) => {
    queue = queue
      .then(() => {
        if (of !== undefined && of !== connection) return undefined;
        running = of ?? connection;
        return task();
      })
      .catch(reportError);
    return queue;
  };

  return {
    state,
    attach(next: Transport) {
      transport = next;
      next.onOpen(() => {
        const opened = ++connection;
        void enqueue(hello, opened);
      });
      next.onMessage((frame) => {
        const decoded = decodeServerMessage(frame);
        if (!decoded.ok) return reportError(decoded.error);
        if (decoded.value.type === 'presence') return options.onPresence?.(decoded.value);
        void enqueue(() => handle(decoded.value), connection);
      });
    },
    onDisconnected(phase: 'offline' | 'error', error?: SyncState['error']) {
      connection++;
      cursors.cancel();
      session = { pushing: false, pushBlocked: false, cursor: 0 };
      setPhase(phase, error ? { error } : {});
    },
    pump: (written?: readonly Op[]) => enqueue(() => pump(written)),
    /** One presence state on the live connection; dropped when not live (the next connection sends the latest). */
    sendPresence(presence: JsonObject | null) {
      if (state.value.phase === 'live') transport?.send(encodeMessage({ type: 'presence', state: presence }));
    },
    refreshAtRisk: () =>
      enqueue(async () => {
        const joinRequired = state.value.joinRequired;
        if (state.value.phase === 'join-required' && joinRequired) {
          patch({ joinRequired: { ...joinRequired, atRisk: await host.countAtRisk() } });
        }
      }),
    join(): Promise<void> {
      if (state.value.phase !== 'join-required') {
        return Promise.reject(
          new TrellisError(ErrorCode.SYNC_NOTHING_TO_JOIN, `Nothing to join: sync is ${state.value.phase}. Call join() when phase is 'join-required'.`),
        );
      }
      const done = new Promise<void>((resolve, reject) => joinWaiters.push({ resolve, reject }));
      // Only if this connection still waits for it; otherwise the next reset decision joins (the waiter is the consent).
      void enqueue(async () => {
        if (state.value.phase === 'join-required') startJoin();
      });
      return done;
    },
    stopped() {
      for (const waiter of joinWaiters.splice(0)) waiter.reject(new TrellisError(ErrorCode.SYNC_STOPPED, 'Sync was stopped before the join finished.'));
      cursors.cancel();
      transport = undefined;
    },
  };
}

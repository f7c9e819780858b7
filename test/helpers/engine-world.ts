/**
 * Drives the pure sync engine as its shell does (src/sync/engine.ts): queued
 * events one at a time, a store call's result before the next queued event,
 * closes, commits and pending counts at once. Every step's input session is
 * frozen, so a step that mutates it throws. The checks of the engine's
 * invariants run as effects happen (see test/property/engine.test.ts).
 */
import type { ServerMessage } from '../../src/protocol/index.js';
import { opHash } from '../../src/protocol/index.js';
import type { Effect, StoreCall } from '../../src/sync/engine/effects.js';
import type { EngineEvent } from '../../src/sync/engine/events.js';
import { createSession, type Session } from '../../src/sync/engine/session.js';
import { step } from '../../src/sync/engine/step.js';
import type { AutoJoin, SyncPhase } from '../../src/sync/types.js';
import { ModelServer, ModelStore } from './engine-model.js';

const NEXT_PHASES: Record<SyncPhase, readonly SyncPhase[]> = {
  connecting: ['syncing', 'offline', 'error'],
  offline: ['syncing', 'error'],
  error: ['syncing', 'offline'],
  syncing: ['live', 'join-required', 'resetting', 'offline', 'error', 'outdated'],
  live: ['offline', 'error'],
  'join-required': ['resetting', 'offline', 'error'],
  resetting: ['live', 'offline', 'error'],
  // Final: the engine refuses every later event (SYNC_SCHEMA_OUTDATED).
  outdated: [],
};

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

export class EngineWorld {
  session: Session;
  readonly store = new ModelStore();
  readonly server = new ModelServer();
  /** Queued events, and store calls that an event stepped at once made (they wait their turn, as in the shell). */
  queue: (EngineEvent | { readonly deferred: StoreCall; readonly connection: number })[] = [];
  inflight: { call: StoreCall; connection: number } | undefined;
  arrived = 0;
  socketOpen = false;
  /** Frames from the server on the open socket; 'close' when the server closed it after them. */
  toClient: (ServerMessage | 'close')[] = [];
  /** join() calls waiting in the shell (the user's consent). */
  userJoins = 0;
  /** Pushes sent on this connection whose answer the engine has not yet taken. */
  outstanding: { lastSeq: number }[] = [];
  lastResetAtRisk: number | undefined;
  joinSent = false;
  readonly pushed = new Map<string, string>();
  readonly acks: ServerMessage[] = [];
  readonly violations: string[] = [];
  /** `collection/id` of every rejection the engine told the app of (sync.rejections). */
  readonly told: string[] = [];

  /** `rejectPercent`: the share of this replica's ops the model server rejects (ModelServer.rejectPercent). */
  constructor(
    readonly autoJoin: AutoJoin,
    options: { rejectPercent?: number } = {},
  ) {
    this.server.rejectPercent = options.rejectPercent ?? 0;
    this.session = createSession({ library: 'lib', autoJoin });
    this.queue.push({ type: 'start' });
  }

  private fail(message: string): void {
    this.violations.push(message);
  }

  /** `now`: stepped outside the queue (close, commit, pending, join), so a store call it makes waits in the queue. */
  stepEvent(event: EngineEvent, now = false): void {
    if (event.type === 'frame' && event.connection === this.session.connection) this.takeAnswer(event.message);
    if (event.type === 'stored' && event.call.kind === 'count-at-risk' && event.call.then === 'reset') this.lastResetAtRisk = event.value as number;
    const before = deepFreeze(this.session);
    const out = step(before, event);
    this.session = out.session;
    for (const effect of out.effects) {
      if (now && effect.type === 'store') this.queue.push({ deferred: effect.call, connection: effect.connection ?? this.session.connection });
      else this.perform(effect);
    }
  }

  private takeAnswer(message: ServerMessage): void {
    const first = this.outstanding[0];
    if (first === undefined) return;
    const answered = (message.type === 'ack' && message.toSeq >= first.lastSeq) || (message.type === 'reject' && message.seq >= first.lastSeq);
    if (message.type === 'error' || answered) this.outstanding.shift();
  }

  private perform(effect: Effect): void {
    switch (effect.type) {
      case 'send':
        return this.send(effect.message);
      case 'publish': {
        const from = this.publishedPhase;
        if (effect.state.phase !== from && !NEXT_PHASES[from].includes(effect.state.phase)) this.fail(`phase ${from} -> ${effect.state.phase}`);
        this.publishedPhase = effect.state.phase;
        return;
      }
      case 'store':
        if (this.inflight !== undefined) this.fail('two store calls at once');
        if (effect.call.kind === 'reset-to-snapshot' && !this.joinSent) this.fail('reset without a join on this connection');
        this.inflight = { call: effect.call, connection: effect.connection ?? this.session.connection };
        return;
      case 'settle-joins':
        this.userJoins = 0;
        return;
      case 'timer':
        return;
      case 'reconnect':
        return this.disconnect();
      case 'rejected':
        this.told.push(`${effect.rejection.collection}/${effect.rejection.id}`);
        return;
      default:
        return;
    }
  }

  publishedPhase: SyncPhase = 'connecting';

  private send(message: Parameters<ModelServer['receive']>[0]): void {
    if (!this.socketOpen) return;
    if (message.type === 'join') {
      const consent = this.userJoins > 0 || this.autoJoin === 'always' || (this.autoJoin === 'when-nothing-at-risk' && this.lastResetAtRisk === 0);
      if (!consent) this.fail('join sent without consent');
      this.joinSent = true;
    }
    if (message.type === 'push') {
      if (this.outstanding.length > 0) this.fail('a second push while one is in flight');
      this.outstanding.push({ lastSeq: message.ops.at(-1)?.seq ?? 0 });
      for (const o of message.ops) {
        const key = `${o.replicaId}#${o.seq}`;
        const hash = opHash(o);
        if ((this.pushed.get(key) ?? hash) !== hash) this.fail(`${key} pushed with other content`);
        if (o.replicaId === this.store.replicaId && this.store.rolledBack.has(o.seq)) this.fail(`${key} pushed after it was rolled back`);
        this.pushed.set(key, hash);
      }
    }
    const replies = this.server.receive(message);
    for (const reply of replies) if (reply.type === 'ack') this.acks.push(reply);
    this.toClient.push(...replies);
    if (this.server.conn === undefined) this.toClient.push('close');
  }

  /** Nothing the store records as acknowledged differs from what the server holds. */
  checkAcknowledged(): void {
    for (let seq = 1; seq <= this.store.acked; seq++) {
      const held = this.server.held(this.store.replicaId, seq);
      const own = this.store.own[seq - 1];
      if (this.store.rolledBack.has(seq)) {
        // Rolled back: the server rejected this very op, and holds nothing under its seq.
        const rejected = this.server.everRejected.get(`${this.store.replicaId}#${seq}`);
        if (held || !own || !rejected || opHash(rejected) !== opHash(own)) this.fail(`${this.store.replicaId}#${seq} rolled back but the server ${held ? 'holds it' : 'never rejected it'}`);
        continue;
      }
      if (!held || !own || opHash(held) !== opHash(own)) this.fail(`${this.store.replicaId}#${seq} acknowledged but the server holds ${held ? 'another op' : 'nothing'}`);
    }
  }

  // ------------------------------------------------------------ actions

  run(): boolean {
    const inflight = this.inflight;
    if (inflight !== undefined) {
      this.inflight = undefined;
      const value = this.store.run(inflight.call, this.session.cursorKey);
      this.stepEvent({ type: 'stored', connection: inflight.connection, call: inflight.call, value } as EngineEvent);
      return true;
    }
    const item = this.queue.shift();
    if (item === undefined) return false;
    if ('deferred' in item) {
      if (this.inflight !== undefined) this.fail('two store calls at once');
      this.inflight = { call: item.deferred, connection: item.connection };
    } else this.stepEvent(item);
    return true;
  }

  deliver(): boolean {
    const message = this.toClient.shift();
    if (message === undefined || !this.socketOpen) return false;
    if (message === 'close') return this.disconnect(this.server.closeError), true;
    this.queue.push({ type: 'frame', connection: this.arrived, message } as EngineEvent);
    return true;
  }

  connect(): void {
    if (this.socketOpen) return;
    this.socketOpen = true;
    this.server.open();
    this.outstanding = [];
    this.joinSent = false;
    // A duplicated ack arrives on the connection that carried it: the server answers a push in seq order
    // (a reject before the ack of a later op), which an ack from an older connection would overtake.
    this.acks.length = 0;
    this.queue.push({ type: 'opened', connection: ++this.arrived });
  }

  /** The socket closes; `error` is what the shell makes of the close code (4008: SYNC_SCHEMA_OUTDATED, phase error). */
  disconnect(error?: { code: string; message: string }): void {
    if (!this.socketOpen) return;
    this.socketOpen = false;
    this.server.conn = undefined;
    this.toClient = [];
    this.outstanding = [];
    this.stepEvent({ type: 'closed', connection: ++this.arrived, ...(error ? { phase: 'error' as const, error } : { phase: 'offline' as const }) }, true);
  }

  /** The server's close overtakes the frames before it (the shell steps a close at once, ahead of queued frames). */
  closeFirst(): void {
    if (this.toClient.includes('close')) this.disconnect(this.server.closeError);
  }

  commit(n: number): void {
    const ops = this.store.commit(n);
    this.stepEvent({ type: 'committed', ops }, true);
    this.queue.push({ type: 'pump', written: ops });
  }

  /** The store's live pending query answers (some time after commits). */
  liveQuery(): void {
    this.stepEvent({ type: 'pending', count: this.store.pending }, true);
    this.queue.push({ type: 'pump' }, { type: 'refresh-at-risk' });
  }

  join(): void {
    // The shell refuses join() outside join-required (SYNC_NOTHING_TO_JOIN).
    if (this.session.state.phase !== 'join-required') return;
    this.userJoins++;
    this.stepEvent({ type: 'join' }, true);
  }

  tick(): void {
    this.queue.push({ type: 'tick' });
  }

  /** Another replica writes; a live connection of another replica id hears of it (fan-out). */
  private writeAs(replicaId: string): void {
    const entries = this.server.write(replicaId);
    const conn = this.server.conn;
    if (conn?.phase === 'live' && conn.replicaId !== replicaId && this.socketOpen) this.toClient.push({ type: 'ops', ops: entries, progress: { received: 1, total: 1 } });
  }

  otherWrites(): void {
    this.writeAs('other');
  }

  /** A copy of this store wrote and pushed under the same replica id. */
  impostor(): void {
    if (this.server.replicas.has(this.store.replicaId)) this.writeAs(this.store.replicaId);
  }

  duplicateAck(): void {
    const ack = this.acks.at(-1);
    if (ack !== undefined && this.socketOpen && this.toClient.at(-1) !== 'close') this.toClient.push(ack);
  }

  /**
   * After settle: no pending op lost and no rejection missed. Every own op of the current replica id
   * is held by the server or was rejected by it and rolled back; every op the server rejected under
   * the current id is rolled back in the store, and the app was told of it.
   */
  checkRejections(): void {
    const id = this.store.replicaId;
    this.store.own.forEach((o, i) => {
      const seq = i + 1;
      const held = this.server.held(id, seq) !== undefined;
      const rejected = this.server.everRejected.has(`${id}#${seq}`);
      if (held === rejected) this.fail(`${id}#${seq} is ${held ? 'both held and rejected' : 'neither held nor rejected'} by the server`);
      if (rejected !== this.store.rolledBack.has(seq)) this.fail(`${id}#${seq}: rejected ${rejected}, rolled back ${this.store.rolledBack.has(seq)}`);
      if (rejected && !this.told.includes(`${o.collection}/${o.id}`)) this.fail(`${id}#${seq} was rolled back without telling the app`);
    });
  }

  /** Heals everything and runs until quiet: every consent given, every frame delivered. False if it never got quiet. */
  settle(limit = 5000): boolean {
    for (let i = 0; i < limit; i++) {
      if (!this.socketOpen) this.connect();
      else if (this.run() || this.deliver()) continue;
      else if (this.session.state.phase === 'join-required') this.join();
      else if (this.session.state.phase === 'live' && this.store.pending > 0 && !this.session.link.pushing && !this.session.link.pushBlocked) this.liveQuery();
      // The live query answers after the last acknowledgement too.
      else if (this.session.live !== this.store.pending) this.liveQuery();
      else return true;
    }
    return false;
  }
}

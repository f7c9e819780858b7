/**
 * A model store and a model server for driving the pure sync engine
 * (src/sync/engine/step.ts) without IndexedDB, sockets or timers. Both keep
 * only what the engine's contract is about: own ops and what is acknowledged,
 * remote ops applied, the cursor, resets and archives; the server's op log,
 * replica rows (max seq and the hash of the op there) and the decision table.
 */
import type { Op } from '../../src/core/index.js';
import { opHash, seedOrder } from '../../src/protocol/index.js';
import type { ClientMessage, Cursor, ServerMessage, ServerOp } from '../../src/protocol/index.js';
import type { StoreCall, StoreValues } from '../../src/sync/engine/effects.js';

export const op = (replicaId: string, seq: number, tag: string): Op =>
  ({ replicaId, seq, ts: `${String(seq).padStart(13, '0')}-0000-${replicaId}`, collection: 'todos', id: `d${seq}`, change: { kind: 'put', value: { tag } } }) as unknown as Op;

export class ModelStore {
  replicaId = 'r0';
  own: Op[] = [];
  acked = 0;
  remote = new Map<string, Op>();
  meta = new Map<string, unknown>();
  archives: { reason: string; ops: Op[] }[] = [];
  /** The version of the store's schema, declared at hello. */
  schemaVersion = 1;
  /** Seqs of the current replica id's ops rolled back after a reject (out of the log, as roll-back.ts removes them). */
  rolledBack = new Set<number>();
  private ids = 0;

  commit(n: number): Op[] {
    const ops = Array.from({ length: n }, (_, i) => op(this.replicaId, this.own.length + 1 + i, `local-${this.own.length + 1 + i}`));
    this.own.push(...ops);
    return ops;
  }

  get pending(): number {
    return this.own.length - this.acked;
  }

  /** The ops the log still holds: without those rolled back. */
  private logged(ops: readonly Op[]): Op[] {
    return ops.filter((o) => !this.rolledBack.has(o.seq));
  }

  run(call: StoreCall, cursorKey: string): StoreValues[StoreCall['kind']] {
    switch (call.kind) {
      case 'read-local':
        return { replicaId: this.replicaId, ackedSeq: this.acked };
      case 'read-hello':
        return { cursor: (this.meta.get(cursorKey) as Cursor | undefined) ?? null, replicaId: this.replicaId, localSeq: this.own.length, atRisk: this.pending, ackedSeq: this.acked, schemaVersion: this.schemaVersion };
      case 'export-history':
        return { baselines: [], ops: [...this.logged(this.own), ...this.remote.values()] };
      case 'read-own-op':
        return this.rolledBack.has(call.seq) ? undefined : this.own[call.seq - 1];
      case 'new-replica-id':
        return `j${++this.ids}`;
      case 'acknowledge':
        this.acked = Math.max(this.acked, call.ack.toSeq);
        return undefined;
      case 'count-at-risk':
        return this.pending;
      case 'reset-to-snapshot':
        if (this.pending > 0) this.archives.push({ reason: call.reason, ops: this.logged(this.own.slice(this.acked)) });
        this.replicaId = call.replicaId;
        this.own = [];
        this.acked = 0;
        this.rolledBack = new Set();
        this.remote = new Map(call.snapshot.ops.map((e) => [`${e.op.replicaId}#${e.op.seq}`, e.op]));
        for (const [key, value] of Object.entries(call.meta)) this.meta.set(key, value);
        return undefined;
      case 'apply-remote':
        for (const e of call.entries) if (e.op.replicaId !== this.replicaId) this.remote.set(`${e.op.replicaId}#${e.op.seq}`, e.op);
        for (const [key, value] of Object.entries(call.meta)) this.meta.set(key, value);
        return undefined;
      case 'write-meta':
        for (const [key, value] of Object.entries(call.entries)) this.meta.set(key, value);
        return undefined;
      case 'compact':
        return undefined;
      case 'read-unacknowledged':
        return this.logged(this.own.slice(this.acked)).slice(0, call.limit);
      case 'roll-back': {
        // As roll-back.ts: the acknowledged seq passes the op whether or not the log still holds it.
        const { seq } = call.rejection;
        this.acked = Math.max(this.acked, seq);
        if (this.own[seq - 1] === undefined || this.rolledBack.has(seq)) return false;
        this.rolledBack.add(seq);
        return true;
      }
      default:
        throw new Error('unknown call');
    }
  }
}

interface ServerConn {
  phase: 'greeting' | 'seeding' | 'reset' | 'live' | 'outdated';
  replicaId?: string;
  seed: Op[];
}

export class ModelServer {
  readonly epoch = 'E1';
  log: ServerOp[] = [];
  replicas = new Map<string, { maxSeq: number }>();
  conn: ServerConn | undefined;
  /** Hellos below this schema version are refused with SYNC_SCHEMA_OUTDATED and closed (0: none). */
  minSchemaVersion = 0;
  /** Why the server closed the last connection it closed, as the client's shell reports it (close code 4008). */
  closeError: { code: string; message: string } | undefined;
  /** Messages that reached a connection after its hello was refused as outdated (there must be none). */
  afterOutdated: ClientMessage[] = [];
  /** The share (percent, by the op's hash) of pushed ops refused as a write rule would (0: none). */
  rejectPercent = 0;
  /** Rejected ops by `replicaId#seq`, until a hello's ackedSeq says the replica handled them (rejections.ts). */
  rejections = new Map<string, Op>();
  /** Every op ever rejected, kept for the checks after the server forgets them. */
  readonly everRejected = new Map<string, Op>();

  rejects(o: Op): boolean {
    return this.rejectPercent > 0 && Number.parseInt(opHash(o).slice(0, 8), 16) % 100 < this.rejectPercent;
  }

  private reject(o: Op): ServerMessage {
    return { type: 'reject', replicaId: o.replicaId, seq: o.seq, collection: o.collection, id: o.id, code: 'RULE_REJECTED', message: 'no' };
  }

  /** Before a resume's decision: forget rejections the hello says are handled, resend the rest (resend-rejections.ts). */
  private resend(replicaId: string, ackedSeq: number | undefined, maxSeq: number): ServerMessage[] {
    if (ackedSeq === undefined) return [];
    const mine = [...this.rejections.values()].filter((o) => o.replicaId === replicaId).sort((a, b) => a.seq - b.seq);
    for (const o of mine) if (o.seq <= ackedSeq) this.rejections.delete(`${o.replicaId}#${o.seq}`);
    return mine.filter((o) => o.seq > ackedSeq && o.seq <= maxSeq).map((o) => this.reject(o));
  }

  /** The op the server holds under (replicaId, seq). */
  held(replicaId: string, seq: number): Op | undefined {
    return this.log.find((e) => e.op.replicaId === replicaId && e.op.seq === seq)?.op;
  }

  private store(ops: readonly Op[]): ServerOp[] {
    const entries = ops.map((o, i) => ({ serverSeq: this.log.length + 1 + i, op: o }));
    this.log.push(...entries);
    for (const o of ops) this.replicas.set(o.replicaId, { maxSeq: Math.max(this.replicas.get(o.replicaId)?.maxSeq ?? 0, o.seq) });
    return entries;
  }

  /** Another writer: under its own id, or (an impostor, a copied profile) under `replicaId` past what the server holds. */
  write(replicaId: string): ServerOp[] {
    const seq = (this.replicas.get(replicaId)?.maxSeq ?? 0) + 1;
    return this.store([op(replicaId, seq, `other-${seq}`)]);
  }

  open(): void {
    this.closeError = undefined;
    this.conn = { phase: 'greeting', seed: [] };
  }

  receive(message: ClientMessage): ServerMessage[] {
    const conn = this.conn;
    if (conn === undefined) {
      if (this.closeError !== undefined) this.afterOutdated.push(message);
      return [];
    }
    const fields = { type: 'decision' as const, epoch: this.epoch, serverSeq: this.log.length, horizon: 0 };
    switch (message.type) {
      case 'hello': {
        if (this.minSchemaVersion > 0 && (message.schemaVersion ?? 0) < this.minSchemaVersion) {
          conn.phase = 'outdated';
          this.closeError = { code: 'SYNC_SCHEMA_OUTDATED', message: 'SYNC_SCHEMA_OUTDATED' };
          return (this.conn = undefined), [{ type: 'error', code: 'SYNC_SCHEMA_OUTDATED', message: 'update the app', details: {} } as ServerMessage];
        }
        conn.replicaId = message.replicaId;
        const row = this.replicas.get(message.replicaId);
        if (this.log.length === 0) return (conn.phase = 'seeding'), [{ ...fields, replicaSeq: 0, replicaHash: null, decision: 'accept' }];
        const replicaSeq = row?.maxSeq ?? 0;
        if (row === undefined || message.cursor === null || message.cursor.serverSeq > this.log.length || message.localSeq < replicaSeq) {
          conn.phase = 'reset';
          return [{ ...fields, replicaSeq, decision: 'reset', reason: row === undefined ? 'late-joiner' : 'library-reset' }];
        }
        conn.phase = 'live';
        // The replica row's hash is of its last pushed op, rejected or not (recordPush).
        const held = this.held(message.replicaId, replicaSeq) ?? this.everRejected.get(`${message.replicaId}#${replicaSeq}`);
        const others = this.log.filter((e) => e.serverSeq > (message.cursor as Cursor).serverSeq && e.op.replicaId !== message.replicaId);
        return [
          ...this.resend(message.replicaId, message.ackedSeq, replicaSeq),
          { ...fields, replicaSeq, replicaHash: held ? opHash(held) : null, decision: 'resume' },
          ...(others.length > 0 ? [{ type: 'ops' as const, ops: others, progress: { received: others.length, total: others.length } }] : []),
          { type: 'synced', serverSeq: this.log.length },
        ];
      }
      case 'seed':
        if (conn.phase !== 'seeding') return [];
        conn.seed.push(...message.ops);
        if (!message.done) return [];
        // The library gained history meanwhile: refused, and the connection closed (come back and be decided again).
        if (this.log.length > 0) return (this.conn = undefined), [{ type: 'error', code: 'SYNC_LIBRARY_BUSY', message: 'busy', details: {} } as ServerMessage];
        this.store(seedOrder(conn.seed));
        this.replicas.set(conn.replicaId as string, { maxSeq: Math.max(0, ...conn.seed.filter((o) => o.replicaId === conn.replicaId).map((o) => o.seq)) });
        conn.phase = 'live';
        return [{ type: 'synced', serverSeq: this.log.length }];
      case 'push':
        return this.push(conn, message.ops);
      case 'join': {
        if (conn.phase !== 'reset' || this.replicas.has(message.replicaId)) return [{ type: 'error', code: 'INVALID_ARGUMENT', message: 'join', details: {} } as ServerMessage];
        this.replicas.set(message.replicaId, { maxSeq: 0 });
        conn.replicaId = message.replicaId;
        conn.phase = 'live';
        const head = { type: 'snapshot' as const, epoch: this.epoch, serverSeq: this.log.length, horizon: 0 };
        return [{ ...head, baselines: [], ops: [...this.log], progress: { received: this.log.length, total: this.log.length }, done: true }, { type: 'synced', serverSeq: this.log.length }];
      }
      default:
        return [];
    }
  }

  private push(conn: ServerConn, ops: readonly Op[]): ServerMessage[] {
    const replicaId = conn.replicaId as string;
    if (conn.phase !== 'live') return [{ type: 'error', code: 'SYNC_JOIN_REQUIRED', message: 'join first', details: {} } as ServerMessage];
    const maxSeq = this.replicas.get(replicaId)?.maxSeq ?? 0;
    const first = (ops[0] as Op).seq;
    if (first > maxSeq + 1 || ops.some((o, i) => o.seq !== first + i || o.replicaId !== replicaId)) {
      return [{ type: 'error', code: 'SERVER_SEQ_GAP', message: 'gap', details: {} } as ServerMessage];
    }
    const known = (o: Op) => this.held(replicaId, o.seq) ?? this.rejections.get(`${replicaId}#${o.seq}`);
    if (ops.some((o) => o.seq <= maxSeq && known(o) !== undefined && opHash(known(o) as Op) !== opHash(o))) {
      return [{ type: 'error', code: 'FORK_DETECTED', message: 'fork', details: {} } as ServerMessage];
    }
    const fresh = ops.filter((o) => o.seq > maxSeq);
    for (const o of fresh.filter((f) => this.rejects(f))) this.rejections.set(`${replicaId}#${o.seq}`, o), this.everRejected.set(`${replicaId}#${o.seq}`, o);
    this.store(fresh.filter((o) => !this.rejects(o)));
    const last = fresh.at(-1);
    if (last !== undefined) this.replicas.set(replicaId, { maxSeq: last.seq });
    return this.answers(replicaId, ops);
  }

  /** In seq order: one ack per run of held ops with contiguous seqs and server seqs, a reject per rejected op (on-push.ts). */
  private answers(replicaId: string, ops: readonly Op[]): ServerMessage[] {
    const out: ServerMessage[] = [];
    for (const o of ops) {
      const entry = this.log.find((e) => e.op.replicaId === replicaId && e.op.seq === o.seq);
      const run = out.at(-1);
      if (entry === undefined) {
        if (this.rejections.has(`${replicaId}#${o.seq}`)) out.push(this.reject(o));
      } else if (run?.type === 'ack' && o.seq === run.toSeq + 1 && entry.serverSeq === run.firstServerSeq + (o.seq - run.fromSeq)) {
        out[out.length - 1] = { ...run, toSeq: o.seq };
      } else {
        out.push({ type: 'ack', replicaId, fromSeq: o.seq, toSeq: o.seq, firstServerSeq: entry.serverSeq });
      }
    }
    return out;
  }
}

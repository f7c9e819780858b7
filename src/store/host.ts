/**
 * The narrow interface the sync plugin drives. The plugin reaches the store
 * only through this (and the public Store), never through tables.
 */
import type { Observable } from 'rxjs';
import type { Baseline, Op } from '../core/index.js';
import { historyThatFits } from '../protocol/index.js';
import type { StoreContext } from './context.js';
import type { Archive } from './database.js';
import { compact, stripServerSeq, type CompactOptions } from './compact.js';
import { META_HORIZON, META_LOCAL, META_SYNCED, readLocal } from './database.js';
import { acknowledge, applyRemote, readUnacknowledged, type SequencedOp } from './remote.js';
import { rollBack, type RejectedOp } from './roll-back.js';
import { allOps, countAfter, opsOf, rowHolding } from './op-log.js';
import { atRiskOps, countAtRisk, resetToSnapshot, type ResetOptions, type Snapshot } from './reset.js';
import { live } from './query.js';
import { narrowTo, type NarrowOptions } from './narrow.js';
import { mergeSnapshot } from './merge-snapshot.js';
import { readAllHeads } from './heads.js';
import { exactCounters } from './counters.js';
import type { FileHost } from './file-types.js';

export interface StoreHost {
  /** The `version` of the store's schema, declared at hello (a server may require a minimum). */
  readonly schemaVersion: number;
  /** The replica ID as stored now (it changes after a reset). */
  replicaId(): Promise<string>;
  /** A new id from the store's injected generator (the replica id to use after a reset). */
  createId(): string;
  /** Highest own seq allocated (0 if none). */
  localSeq(): Promise<number>;
  /** Count of own ops not yet acknowledged by the server, live across tabs. */
  readonly pending: Observable<number>;
  /** Own ops not yet acknowledged, oldest first. */
  readUnacknowledged(limit: number): Promise<Op[]>;
  /** The highest own seq the server acknowledged (0 if none). */
  acknowledgedSeq(): Promise<number>;
  /** This replica's own op `seq`, if the log still holds it (acknowledged ops may be compacted away). */
  readOwnOp(seq: number): Promise<Op | undefined>;
  /** Own ops committed by this store instance, as they commit. */
  readonly localOps: Observable<readonly Op[]>;
  readMeta<T>(key: string): Promise<T | undefined>;
  writeMeta(entries: Readonly<Record<string, unknown>>): Promise<void>;
  applyRemote(entries: readonly SequencedOp[], meta?: Readonly<Record<string, unknown>>): Promise<{ applied: number }>;
  acknowledge(ack: { fromSeq: number; toSeq: number; firstServerSeq?: number }, meta?: Readonly<Record<string, unknown>>): Promise<void>;
  compact(options?: CompactOptions): Promise<{ squashed: number }>;
  /** The server rejected own op `seq`: roll its effect back (roll-back.ts). False when the log no longer holds it. */
  rollBack(rejected: RejectedOp): Promise<boolean>;
  /** Everything this replica holds (for seeding an empty library). */
  exportHistory(): Promise<{ baselines: Baseline[]; ops: Op[] }>;
  /** How many local changes a reset would forfeit. */
  countAtRisk(): Promise<number>;
  /** The local changes a reset would forfeit (what `countAtRisk` counts), oldest first: for a download before a join. */
  readAtRisk(): Promise<Op[]>;
  resetToSnapshot(snapshot: Snapshot, options: ResetOptions): Promise<{ archive?: Archive }>;
  /** A narrowed query: drops the documents it no longer holds, archiving their unacknowledged own writes (narrow.ts). */
  narrow(options: NarrowOptions): Promise<{ dropped: number; archive?: Archive }>;
  /** A widened query: merges the newly matching documents into what the store holds, without a reset (merge-snapshot.ts). */
  mergeSnapshot(part: Snapshot): Promise<void>;
  /** files: uploads and downloads of file fields (files.ts), when the store was opened with the files() plugin. */
  readonly files?: FileHost | undefined;
}

export function createStoreHost(ctx: StoreContext, onReset: (replicaId: string) => void): StoreHost {
  const readMeta = async <T>(key: string) => ((await ctx.db.table('meta').get(key))?.value as T | undefined) ?? undefined;
  return {
    schemaVersion: ctx.schema.version,
    replicaId: async () => (await readMeta<{ replicaId: string }>(META_LOCAL))?.replicaId as string,
    createId: () => ctx.createId(),
    localSeq: () => ctx.db.transaction('r', ['meta', 'ops'], async (tx) => (await exactCounters(tx)).seq),
    pending: live(() =>
      ctx.db.transaction('r', ['meta', 'ops'], async (tx) => {
        const local = await readLocal(tx);
        return countAfter(tx, local.replicaId, local.ackedSeq);
      }),
    ),
    readUnacknowledged: (limit) => readUnacknowledged(ctx, limit),
    acknowledgedSeq: () => ctx.db.transaction('r', ['meta'], async (tx) => (await readLocal(tx)).ackedSeq),
    readOwnOp: (seq) =>
      ctx.db.transaction('r', ['meta', 'ops'], async (tx) => {
        const row = await rowHolding(tx, (await readLocal(tx)).replicaId, seq);
        const op = row && opsOf(row).find((o) => o.seq === seq);
        return op && stripServerSeq(op);
      }),
    localOps: ctx.localOps.asObservable(),
    readMeta,
    writeMeta: async (entries) => {
      await ctx.db.table('meta').bulkPut(Object.entries(entries).map(([key, value]) => ({ key, value })));
    },
    applyRemote: (entries, meta) => applyRemote(ctx, entries, meta),
    acknowledge: (ack, meta) => acknowledge(ctx, ack, meta),
    rollBack: (rejected) => rollBack(ctx, rejected),
    compact: async (options) => {
      if (options?.horizon !== undefined) await ctx.db.table('meta').put({ key: META_HORIZON, value: options.horizon });
      return compact(ctx, options);
    },
    exportHistory: () =>
      ctx.db.transaction('rw', ctx.tables as string[], async (tx) => {
        // From the seed on, compaction keeps unacknowledged ops: a write made before the seed
        // commits is not in it, and dropped from the log it could never be pushed.
        await tx.table('meta').put({ key: META_SYNCED, value: true });
        // A head without writes is no baseline (the server would refuse the whole seed). A head too large for
        // one baseline travels as its writes (historyThatFits): compaction may have dropped their ops here.
        return historyThatFits({
          baselines: (await readAllHeads(ctx, tx)).filter((head) => head.state.entries.length > 0),
          ops: (await allOps(tx)).map(stripServerSeq),
        });
      }),
    countAtRisk: () => countAtRisk(ctx),
    readAtRisk: () => ctx.db.transaction('r', ctx.tables as string[], (tx) => atRiskOps(ctx, tx)),
    files: ctx.files?.host, // files:
    narrow: (options) => narrowTo(ctx, options),
    mergeSnapshot: (part) => mergeSnapshot(ctx, part),
    resetToSnapshot: async (snapshot, options) => {
      const result = await resetToSnapshot(ctx, snapshot, options);
      onReset(options.replicaId);
      return result;
    },
  };
}

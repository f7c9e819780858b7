/**
 * Reset: replace all local state with a server snapshot in ONE transaction,
 * archiving first, in that same transaction, every local change the snapshot
 * would drop. A crash leaves either the old state or the new one.
 */
import type { Baseline, DocState, Op } from '../core/index.js';
import { initialClock, observe } from '../core/index.js';
import { applyOps } from '../merge/index.js';
import type { Transaction } from 'dexie';
import type { StoreContext } from './context.js';
import { baselineOps, stripServerSeq } from './compact.js';
import { readAllHeads, writeHeads } from './heads.js';
import { checkedHeadWrite, replaceInvalid, type CheckedWrite } from './invalid-documents.js';
import {
  META_HORIZON,
  META_LOCAL,
  META_LOCAL_COMPACTED,
  META_REPLICA,
  META_SYNCED,
  readLocal,
  type Archive,
  type LocalMeta,
} from './database.js';
import { pushTo } from './push-to.js';
import type { SequencedOp } from './remote.js';
import { opsAfter } from './op-log.js';
import { headKey, mapStorageError } from './write.js';
import { docOfHeadKey } from './head-key.js';

export interface Snapshot {
  readonly baselines: readonly Baseline[];
  readonly ops: readonly SequencedOp[];
}

export interface ResetOptions {
  /** The replica's identity after the reset (a reset replica starts a fresh op sequence). */
  readonly replicaId: string;
  /** Why: 'late-joiner' | 'truant' | 'library-reset', kept on the archive. */
  readonly reason: string;
  /** Written in the same transaction (the sync cursor). */
  readonly meta?: Readonly<Record<string, unknown>>;
  readonly horizon?: number;
}

/**
 * Written by the sync engine (sync/engine/session.ts FORKED_FROM_KEY) when this store is the copy that lost a
 * fork between servers: `{ replicaId, seq }`, its own ops from seq on are forfeited by a reset though acknowledged.
 */
const FORKED_FROM = 'syncForkedFrom';

/**
 * The local changes a reset would forfeit: unacknowledged own ops, plus own writes compacted before any sync,
 * and, in a store that lost a fork between servers, its own ops from the fork on (acknowledged by the losing server).
 */
export async function atRiskOps(ctx: StoreContext, tx: Transaction): Promise<Op[]> {
  const stored = await readLocal(tx);
  const forked = (await tx.table('meta').get(FORKED_FROM))?.value as { replicaId: string; seq: number } | undefined;
  const local = forked?.replicaId === stored.replicaId ? { ...stored, ackedSeq: Math.min(stored.ackedSeq, forked.seq - 1) } : stored;
  const own = (await opsAfter(tx, local.replicaId, local.ackedSeq)).map(stripServerSeq);
  if ((await tx.table('meta').get(META_LOCAL_COMPACTED))?.value !== true) return own;
  const heads = await readAllHeads(ctx, tx);
  const pending = new Set(own.map((op) => `${op.seq}`));
  // Compacted own writes the server acknowledged (a seed carried them) are no longer at risk.
  const compacted = heads.flatMap(baselineOps).filter((op) => op.replicaId === local.replicaId && op.seq > local.ackedSeq && !pending.has(`${op.seq}`));
  return [...compacted.sort((a, b) => a.seq - b.seq), ...own];
}

export async function countAtRisk(ctx: StoreContext): Promise<number> {
  return ctx.db.transaction('r', ctx.tables as string[], async (tx) => (await atRiskOps(ctx, tx)).length);
}

export async function resetToSnapshot(ctx: StoreContext, snapshot: Snapshot, options: ResetOptions): Promise<{ archive?: Archive }> {
  try {
    return await ctx.db.transaction('rw', ctx.tables as string[], async (tx) => {
      const previous = await readLocal(tx);
      const forfeited = await atRiskOps(ctx, tx);
      const archive: Archive | undefined =
        forfeited.length > 0
          ? { id: ctx.createId(), createdAt: ctx.now(), reason: options.reason, replicaId: previous.replicaId, ops: forfeited }
          : undefined;
      // files: the bytes survive a reset; an archived change re-applied still refers to them.
      for (const name of ctx.tables) if (name !== 'archives' && name !== 'meta' && name !== 'files') await tx.table(name).clear();
      if (archive) await tx.table('archives').add(archive);
      await writeSnapshot(ctx, tx, snapshot);
      let clock = previous.clock ?? initialClock;
      for (const { op } of snapshot.ops) clock = observe(clock, op.ts);
      for (const b of snapshot.baselines) if (b.ts) clock = observe(clock, b.ts);
      const local: LocalMeta = { replicaId: options.replicaId, seq: 0, ackedSeq: 0, clock, createdAt: ctx.now() };
      await tx.table('meta').bulkDelete([META_LOCAL_COMPACTED, FORKED_FROM]);
      await tx.table('meta').bulkPut([
        { key: META_LOCAL, value: local },
        { key: META_REPLICA, value: options.replicaId },
        { key: META_SYNCED, value: true },
        { key: META_HORIZON, value: options.horizon ?? 0 },
        ...Object.entries(options.meta ?? {}).map(([key, value]) => ({ key, value })),
      ]);
      return archive ? { archive } : {};
    });
  } catch (err) {
    throw mapStorageError(err);
  }
}

async function writeSnapshot(ctx: StoreContext, tx: Transaction, snapshot: Snapshot): Promise<void> {
  const opsByDoc = new Map<string, Op[]>();
  for (const { op } of snapshot.ops) pushTo(opsByDoc, headKey(op.collection, op.id), op);
  // Validated: a document this schema forbids is written hidden and listed (invalid-documents.ts).
  const heads = new Map<string, CheckedWrite>();
  const add = (collection: string, id: string, state: DocState) => heads.set(headKey(collection, id), checkedHeadWrite(ctx, { collection, id, state, inHeads: false }));
  for (const b of snapshot.baselines) add(b.collection, b.id, b.state);
  for (const [key, ops] of opsByDoc) {
    const [collection, id] = docOfHeadKey(key);
    add(collection, id, applyOps(heads.get(key)?.state ?? { entries: [] }, ops));
  }
  await Promise.all([writeHeads(ctx, tx, heads.values()), replaceInvalid(ctx, tx, heads.values()), tx.table('ops').bulkAdd(snapshot.ops.map(({ serverSeq, op }) => ({ ...op, serverSeq })))]);
}

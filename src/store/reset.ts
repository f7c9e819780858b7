/**
 * Reset: replace all local state with a server snapshot in ONE transaction,
 * archiving first, in that same transaction, every local change the snapshot
 * would drop. A crash leaves either the old state or the new one.
 */
import type { Baseline, JsonObject, Op } from '../core/index.js';
import { initialClock, observe } from '../core/index.js';
import { applyOps, materialize } from '../merge/index.js';
import { applyDefaults } from '../schema/index.js';
import type { Transaction } from 'dexie';
import type { StoreContext } from './context.js';
import { baselineOf, baselineOps, stripServerSeq } from './compact.js';
import {
  META_HORIZON,
  META_LOCAL,
  META_LOCAL_COMPACTED,
  META_SYNCED,
  docTableName,
  type Archive,
  type DocRow,
  type HeadRow,
  type LocalMeta,
} from './database.js';
import { docRow } from './index-keys.js';
import { pushTo } from './push-to.js';
import { readLocal, unacknowledged, type SequencedOp } from './remote.js';
import { headKey, mapStorageError } from './write.js';

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

/** The local changes a reset would forfeit: unacknowledged own ops, plus own writes compacted before any sync. */
export async function atRiskOps(tx: Transaction): Promise<Op[]> {
  const local = await readLocal(tx);
  const own = (await unacknowledged(tx, local).toArray()).map(stripServerSeq);
  if ((await tx.table('meta').get(META_LOCAL_COMPACTED))?.value !== true) return own;
  const heads = (await tx.table('heads').toArray()) as Baseline[];
  const pending = new Set(own.map((op) => `${op.seq}`));
  // Compacted own writes the server acknowledged (a seed carried them) are no longer at risk.
  const compacted = heads.flatMap(baselineOps).filter((op) => op.replicaId === local.replicaId && op.seq > local.ackedSeq && !pending.has(`${op.seq}`));
  return [...compacted.sort((a, b) => a.seq - b.seq), ...own];
}

export async function countAtRisk(ctx: StoreContext): Promise<number> {
  return ctx.db.transaction('r', ['meta', 'ops', 'heads'], async (tx) => (await atRiskOps(tx)).length);
}

export async function resetToSnapshot(ctx: StoreContext, snapshot: Snapshot, options: ResetOptions): Promise<{ archive?: Archive }> {
  try {
    return await ctx.db.transaction('rw', ctx.tables as string[], async (tx) => {
      const previous = await readLocal(tx);
      const forfeited = await atRiskOps(tx);
      const archive: Archive | undefined =
        forfeited.length > 0
          ? { id: ctx.createId(), createdAt: ctx.now(), reason: options.reason, replicaId: previous.replicaId, ops: forfeited }
          : undefined;
      for (const name of ctx.tables) if (name !== 'archives' && name !== 'meta') await tx.table(name).clear();
      if (archive) await tx.table('archives').add(archive);
      await writeSnapshot(ctx, tx, snapshot);
      let clock = previous.clock ?? initialClock;
      for (const { op } of snapshot.ops) clock = observe(clock, op.ts);
      for (const b of snapshot.baselines) if (b.ts) clock = observe(clock, b.ts);
      const local: LocalMeta = { replicaId: options.replicaId, seq: 0, ackedSeq: 0, clock, createdAt: ctx.now() };
      await tx.table('meta').delete(META_LOCAL_COMPACTED);
      await tx.table('meta').bulkPut([
        { key: META_LOCAL, value: local },
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
  const heads = new Map<string, HeadRow>();
  for (const b of snapshot.baselines) heads.set(headKey(b.collection, b.id), b);
  for (const [key, ops] of opsByDoc) {
    const [collection, id] = key.split('\u0000') as [string, string];
    heads.set(key, baselineOf(collection, id, applyOps(heads.get(key)?.state ?? { entries: [] }, ops)));
  }
  const rows = new Map<string, DocRow[]>();
  for (const head of heads.values()) {
    const def = ctx.schema.definition.collections[head.collection];
    if (!def || !Object.hasOwn(ctx.schema.definition.collections, head.collection)) continue;
    const doc = materialize(head.state);
    if (doc) pushTo(rows, docTableName(head.collection), docRow(def, head.id, applyDefaults(def.fields, doc as JsonObject)));
  }
  await tx.table('heads').bulkAdd([...heads.values()]);
  await tx.table('ops').bulkAdd(snapshot.ops.map(({ serverSeq, op }) => ({ ...op, serverSeq })));
  for (const [table, list] of rows) await tx.table(table).bulkAdd(list);
}

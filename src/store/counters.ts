/**
 * The replica's counters: the last seq it allocated and its clock. A local
 * write does not write them back: its op row is the record. The counters are
 * the larger of the `local` meta row (written by whatever removes own ops from
 * the log, by resets, and when remote ops move the clock) and the replica's
 * last op in the log. That saves a write per transaction, a tenth of a
 * single put's time in Chromium.
 *
 * A store instance keeps the counters its last write left (`StoreContext.
 * counters`), so a write of its own needs no log read: if another tab or
 * instance of the same replica wrote since, that write holds the very next
 * seq (its op is in the log, or compaction raised the meta row past it), so
 * the op's `add` fails with a ConstraintError, nothing is written, and the
 * write runs again on counters read from the log.
 */
import type { ClockState, Op } from '../core/index.js';
import { observe } from '../core/index.js';
import { META_LOCAL, type LocalMeta, type MetaRow } from './database.js';
import { getRow, type AnyTransaction } from './idb.js';
import { lastOpOf } from './op-log.js';

/** What a store instance remembers of the counters after its last write. */
export interface CachedCounters {
  readonly replicaId: string;
  readonly seq: number;
  readonly clock: ClockState;
}

/** `local`, counting `op` (one of its replica's) too. */
function counting(local: LocalMeta, op: Pick<Op, 'replicaId' | 'seq' | 'ts'> | undefined): LocalMeta {
  if (op === undefined || op.replicaId !== local.replicaId || op.seq <= local.seq) return local;
  return { ...local, seq: op.seq, clock: observe(local.clock, op.ts) };
}

function later(a: ClockState, b: ClockState): ClockState {
  return b.ms > a.ms || (b.ms === a.ms && b.counter > a.counter) ? b : a;
}

/**
 * The counters, exactly: the meta row and the last op in the log. With
 * `cached` (the instance's counters, trusted because a stale seq fails the
 * op's add), the log is read only when the replica changed since.
 */
export async function readCounters(tx: AnyTransaction, cached: CachedCounters | undefined, trustCached: boolean): Promise<LocalMeta> {
  const guess = cached?.replicaId;
  const [row, last] = await Promise.all([getRow<MetaRow>(tx, 'meta', META_LOCAL), guess !== undefined && !trustCached ? lastOpOf(tx, guess) : undefined]);
  const local = (row as MetaRow).value as LocalMeta;
  if (cached === undefined || cached.replicaId !== local.replicaId) return counting(local, await lastOpOf(tx, local.replicaId));
  if (!trustCached) return counting(local, last);
  return { ...local, seq: Math.max(local.seq, cached.seq), clock: later(local.clock, cached.clock) };
}

/** The counters, read from the meta row and the log (compaction, the hello, a transaction that cannot retry). */
export async function exactCounters(tx: AnyTransaction): Promise<LocalMeta> {
  return readCounters(tx, undefined, false);
}

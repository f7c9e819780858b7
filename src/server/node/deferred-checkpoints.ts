/**
 * WAL checkpoints between frames instead of inside a push's commit.
 *
 * SQLite checkpoints by itself in the commit that takes the WAL past
 * `wal_autocheckpoint` pages (1000 by default): it syncs the WAL, copies its
 * pages into the database and syncs that, ~8 ms on the bench machine, before
 * that push's ack and ops frames go out. A one-op push adds about 5.5 pages,
 * so one push in ~180 paid it (bench: propagation's p99). Here the server
 * looks at the WAL once the frames it was handling are answered, and
 * checkpoints then when it holds CHECKPOINT_PAGES; SQLite's own checkpoint
 * stays, at twice that, for commits big enough to pass both at once (a seed)
 * and for writes outside frames (compaction, eviction).
 *
 * Durability does not change: a commit is durable once it is in the WAL, and a
 * checkpoint only moves committed pages into the database file.
 */
import type Database from 'better-sqlite3';
import type { Log } from '../core/index.js';

/** As SQLite's default wal_autocheckpoint: checkpoints as often as before, only later in the turn. */
export const CHECKPOINT_PAGES = 1000;

export interface DeferredCheckpoints {
  /** After a frame was handled (its answers written to the sockets): checkpoint soon if the WAL is long. */
  afterFrame(): void;
  stop(): void;
}

/**
 * Needs `wal_checkpoint(NOOP)` (SQLite 3.51), which reads the WAL's length
 * without checkpointing; an older SQLite would run PASSIVE for it, a
 * checkpoint per frame. There, and for databases not in WAL mode, SQLite
 * keeps checkpointing by itself and afterFrame does nothing.
 */
export function deferCheckpoints(db: Database.Database, o: { log: Log }): DeferredCheckpoints {
  const version = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  const wal = String(db.pragma('journal_mode', { simple: true })).toLowerCase() === 'wal';
  if (!wal || !atLeast(version, [3, 51, 0])) return { afterFrame: () => {}, stop: () => {} };
  db.pragma(`wal_autocheckpoint = ${2 * CHECKPOINT_PAGES}`);
  const length = db.prepare('PRAGMA wal_checkpoint(NOOP)');
  const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
  let pending: NodeJS.Immediate | undefined;
  const run = (): void => {
    pending = undefined;
    try {
      const { log, checkpointed } = length.get() as { log: number; checkpointed: number };
      if (log - checkpointed >= CHECKPOINT_PAGES) checkpoint.get();
    } catch (err) {
      // SQLite's own checkpoint still bounds the WAL.
      o.log('warn', 'wal.checkpoint-failed', { message: String(err) });
    }
  };
  return {
    afterFrame: () => {
      // setImmediate: after the frames that arrived together, whose answers are already written.
      pending ??= setImmediate(run);
    },
    stop: () => {
      if (pending !== undefined) clearImmediate(pending);
      pending = undefined;
    },
  };
}

function atLeast(version: string, wanted: readonly number[]): boolean {
  const parts = version.split('.').map(Number);
  for (let i = 0; i < wanted.length; i++) {
    const part = parts[i] ?? 0;
    const want = wanted[i] as number;
    if (part !== want) return part > want;
  }
  return true;
}

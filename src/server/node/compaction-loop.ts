/**
 * Periodic and deferred compaction for the Node server. The core compacts one
 * slice per call (at most limits.compactSliceOps ops); a library with more
 * left is compacted again on a later turn of the event loop (setImmediate
 * runs after the I/O poll), so the frames of every other connection are
 * served between slices and a large backlog never stalls them.
 */
import type { CompactionResult, Log } from '../core/index.js';

export interface CompactionLoop {
  /** Compacts one slice of this library (or all) now; continues with the libraries that have more. Logs a failure. */
  run(library?: string): void;
  /** As run, for a caller (NodeServer.compact): returns the first step's results and throws what it throws. */
  step(library?: string): CompactionResult[];
  /** Compacts this library's next slice after pending I/O (SyncServerOptions.deferCompaction). */
  defer(library: string): void;
  /** Starts the periodic run; 0 or less: none. */
  start(intervalMs: number): void;
  stop(): void;
}

export function createCompactionLoop(o: { compact: (library?: string) => CompactionResult[]; log: Log }): CompactionLoop {
  const pending = new Set<string>();
  let immediate: NodeJS.Immediate | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const step = (library?: string): CompactionResult[] => {
    const results = o.compact(library);
    for (const result of results) if (result.more) defer(result.library);
    return results;
  };
  const run = (library?: string): void => {
    try {
      step(library);
    } catch (err) {
      o.log('error', 'compaction.failed', { ...(library === undefined ? {} : { library }), message: String(err) });
    }
  };
  const next = (): void => {
    immediate = undefined;
    // The libraries deferred so far, one slice each; those with more come back after the next poll.
    const libraries = [...pending];
    pending.clear();
    for (const library of libraries) run(library);
  };
  const defer = (library: string): void => {
    if (stopped) return;
    pending.add(library);
    immediate ??= setImmediate(next);
  };
  return {
    run,
    step,
    defer,
    start(intervalMs) {
      if (intervalMs > 0) timer = setInterval(() => run(), intervalMs).unref();
    },
    stop() {
      stopped = true;
      if (timer !== undefined) clearInterval(timer);
      if (immediate !== undefined) clearImmediate(immediate);
      pending.clear();
    },
  };
}

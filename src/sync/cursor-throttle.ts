/**
 * At most one `cursor` per interval while ops stream in: the first at once,
 * the highest of the rest when the interval ends. A cursor only lets the
 * server move its horizon (compaction), yet each costs the server a message
 * and a write, and with R live replicas every push brings R of them back: in
 * the fan-out bench (200 replicas) one cursor per ops frame made the cursors,
 * not the fan-out, the server's main work.
 */
export const CURSOR_INTERVAL_MS = 200;

export interface CursorThrottle {
  /** Sends `serverSeq` now, or the highest offered when the current interval ends. */
  offer(serverSeq: number): void;
  /** Drops a cursor waiting for its interval (the connection closed or sync stopped). */
  cancel(): void;
}

export function createCursorThrottle(send: (serverSeq: number) => void, intervalMs = CURSOR_INTERVAL_MS): CursorThrottle {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let due: number | undefined;
  const startInterval = () => {
    timer = setTimeout(() => {
      timer = undefined;
      if (due === undefined) return;
      const serverSeq = due;
      due = undefined;
      send(serverSeq);
      startInterval();
    }, intervalMs);
  };
  return {
    offer(serverSeq) {
      if (timer !== undefined) {
        due = Math.max(due ?? 0, serverSeq);
        return;
      }
      send(serverSeq);
      startInterval();
    },
    cancel() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      due = undefined;
    },
  };
}

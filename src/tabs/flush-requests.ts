/**
 * sync.flushed() across the tabs of one replica. The leader's engine answers
 * it (it alone sees the server's acks). A follower sends `flush {id, to}` to
 * the leader, which answers `flushed {id, error?}` once its own flushed()
 * settles. A request outlives a change of leader: it is asked again of the
 * next one, whose engine reads the store's counters anew, and they cover
 * every write made before the first ask (writes are in IndexedDB before
 * their put() resolves).
 */
import type { BehaviorSubject } from 'rxjs';
import { ErrorCode, TrellisError, createId } from '../core/index.js';
import type { TabChannel } from './channel.js';
import type { Leader } from './leader.js';

interface FlushWaiter {
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
  /** The tab last asked. */
  to?: string;
}

export interface FlushRequests {
  flushed(): Promise<void>;
  /** This tab's engine started: requests waiting for a leader are answered by it. */
  leading(): void;
  stop(): void;
}

export function createFlushRequests(o: {
  channel: TabChannel;
  leader: BehaviorSubject<Leader | undefined>;
  /** This tab's engine's flushed(), when this tab runs one. */
  local: () => Promise<void> | undefined;
}): FlushRequests {
  const { channel } = o;
  const waiting = new Map<string, FlushWaiter>();
  const settle = (id: string, error?: { code: string; message: string }) => {
    const waiter = waiting.get(id);
    if (waiter === undefined) return;
    waiting.delete(id);
    if (error) waiter.reject(new TrellisError(error.code as ErrorCode, error.message));
    else waiter.resolve();
  };
  const ask = (id: string, waiter: FlushWaiter) => {
    const local = o.local();
    if (local !== undefined) {
      waiting.delete(id);
      return void local.then(waiter.resolve, waiter.reject);
    }
    waiter.to = o.leader.value?.tab;
    // No leader known yet (or it is this tab, still starting): asked again when one speaks or starts.
    if (waiter.to !== undefined && waiter.to !== channel.tab) channel.post('flush', { id, to: waiter.to });
  };

  const offFlush = channel.on('flush', (payload) => {
    const { id, to } = (payload ?? {}) as { id?: unknown; to?: unknown };
    const running = typeof id === 'string' && to === channel.tab ? o.local() : undefined;
    // Not leading (any more): the follower asks the next leader.
    if (running === undefined) return;
    running.then(
      () => channel.post('flushed', { id }),
      (err: unknown) => {
        const e = err instanceof TrellisError ? err : new TrellisError(ErrorCode.SERVER_INTERNAL, String((err as Error)?.message ?? err));
        // This leader stopped (stepped down): the follower asks its successor instead.
        if (e.code !== ErrorCode.SYNC_STOPPED) channel.post('flushed', { id, error: { code: e.code, message: e.message } });
      },
    );
  });
  const offFlushed = channel.on('flushed', (payload) => {
    const { id, error } = (payload ?? {}) as { id?: unknown; error?: { code: string; message: string } };
    if (typeof id === 'string') settle(id, error);
  });
  const offLeader = o.leader.subscribe((leader) => {
    for (const [id, waiter] of [...waiting]) if (waiter.to !== leader?.tab) ask(id, waiter);
  });

  return {
    flushed() {
      const local = o.local();
      if (local !== undefined) return local;
      const id = createId();
      const done = new Promise<void>((resolve, reject) => waiting.set(id, { resolve, reject }));
      ask(id, waiting.get(id) as FlushWaiter);
      return done;
    },
    leading() {
      for (const [id, waiter] of [...waiting]) ask(id, waiter);
    },
    stop() {
      offFlush();
      offFlushed();
      offLeader.unsubscribe();
      for (const waiter of waiting.values()) waiter.reject(new TrellisError(ErrorCode.SYNC_STOPPED, 'Sync was stopped before every write was acknowledged.'));
      waiting.clear();
    },
  };
}

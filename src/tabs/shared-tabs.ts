import { ErrorCode, TrellisError } from '../core/index.js';
import type { SyncPlugin, TabRelay } from '../sync/index.js';
import type { BroadcastChannelConstructor } from './channel.js';
import type { TabLocks } from './leader.js';
import { createTabSync, type TabSync } from './tab-sync.js';

export interface TabsOptions {
  /** The Web Locks API. Default `navigator.locks`. */
  readonly locks?: TabLocks;
  /** Default the global `BroadcastChannel`. */
  readonly BroadcastChannel?: BroadcastChannelConstructor;
  /** How often a follower tab checks on the leader, in ms (default 1000); a silent leader is replaced after three to four. */
  readonly heartbeatMs?: number;
}

/**
 * The shared-tabs plugin for createSync: the tabs of one store (database)
 * share its replica and one connection. In a browser with Web Locks and
 * BroadcastChannel, one tab per store and library holds the connection; the
 * others show its `state`, forward `join()` and `flushed()` to it, and take
 * over when it closes, crashes or freezes (tab-sync.ts, leader.ts). Outside
 * a browser page or worker (Node has BroadcastChannel, and newer versions Web
 * Locks, but stores there are not shared between tabs) each createSync syncs
 * on its own, as without the plugin. `options` injects the browser APIs
 * (tests) or tunes the heartbeat; a bad one throws INVALID_ARGUMENT here.
 *
 *   createSync(store, { url, library, getToken, plugins: [sharedTabs()] });
 */
export function sharedTabs(options: TabsOptions = {}): SyncPlugin<Record<never, never>> {
  const beatMs = typeof options === 'object' && options !== null ? (options.heartbeatMs ?? 1000) : Number.NaN;
  if (!(beatMs > 0 && beatMs < 60_000)) {
    throw new TrellisError(ErrorCode.INVALID_ARGUMENT, 'sharedTabs: pass { locks?, BroadcastChannel?, heartbeatMs? } with heartbeatMs between 0 and 60000, or nothing.');
  }
  return {
    name: 'tabs',
    install: () => ({}),
    tabs: {
      share({ host, name, start }) {
        const g = globalThis as { navigator?: { locks?: TabLocks }; document?: unknown; WorkerGlobalScope?: unknown; BroadcastChannel?: BroadcastChannelConstructor };
        const browser = g.document !== undefined || g.WorkerGlobalScope !== undefined;
        const locks = options.locks ?? (browser ? g.navigator?.locks : undefined);
        const BroadcastChannel = options.BroadcastChannel ?? g.BroadcastChannel;
        if (!locks || !BroadcastChannel) return undefined;
        const shared = createTabSync({ host, name, start, locks, BroadcastChannel, beatMs });
        return { sync: shared.sync, relay: relayOf(shared) };
      },
    },
  };
}

/** The tabs as the other plugins see them (presence shares one state through it). */
function relayOf({ channel, leadership }: TabSync): TabRelay {
  return {
    post: (kind, payload) => channel.post(kind, payload),
    on: (kind, handler) => channel.on(kind, (payload) => handler(payload)),
    leading: () => leadership.leader.value?.tab === channel.tab,
    onLeader(listener) {
      const subscription = leadership.leader.subscribe((leader) => leader && listener(leader.tab === channel.tab));
      return () => subscription.unsubscribe();
    },
  };
}

/**
 * Whether this tab holds the connection, for the demo's "another tab syncs"
 * badge. With shared tabs (trellis/tabs) one tab per store and library runs
 * sync and the others follow it; this tiny plugin reads that through the
 * public plugin interface (`context.tabs.onLeader`). Without shared tabs (no
 * Web Locks or BroadcastChannel) every tab syncs on its own: it leads.
 */
import { BehaviorSubject, type Observable } from 'rxjs';
import type { SyncPlugin } from 'trellis/sync';

export interface TabRole {
  /** True while this tab holds the connection, false while another does, undefined until a leader is known. */
  readonly leading: Observable<boolean | undefined>;
  /** Stops listening (the sync it came with was stopped). */
  stop(): void;
}

export function tabRole(): SyncPlugin<{ readonly tabRole: TabRole }> {
  return {
    name: 'demo-tab-role',
    install(context) {
      const leading = new BehaviorSubject<boolean | undefined>(context.tabs ? undefined : true);
      const off = context.tabs?.onLeader((self) => leading.next(self));
      return { adds: { tabRole: { leading: leading.asObservable(), stop: () => off?.() } } };
    },
  };
}

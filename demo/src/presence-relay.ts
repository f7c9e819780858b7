/**
 * What this device shows the others (`sync.presence`), kept across sessions:
 * the demo replaces its `Sync` on every reconnect, pause or library switch,
 * so the relay remembers the state, hands it to each new one, and follows
 * the current one's peers.
 */
import { BehaviorSubject, EMPTY, switchMap, type Observable } from 'rxjs';
import type { PresenceSync, PresenceUser } from 'trellis/presence';

/** What a demo replica shows: the list, maybe an item being renamed, or that its tab is in the background. */
export type DemoPresence = { readonly viewing: 'list'; readonly editing: string | null; readonly away: boolean };

export interface PresenceRelay {
  readonly peers$: Observable<readonly PresenceUser[]>;
  update(patch: Partial<DemoPresence>): void;
  attach(sync: PresenceSync | undefined): void;
}

export function createPresenceRelay(): PresenceRelay {
  const current = new BehaviorSubject<PresenceSync | undefined>(undefined);
  let state: DemoPresence = { viewing: 'list', editing: null, away: false };
  return {
    // Between two syncs (paused, switching) nothing is known: the last peers stand, and the view marks them stale.
    peers$: current.pipe(switchMap((sync) => sync?.presence.peers$ ?? EMPTY)),
    update(patch) {
      state = { ...state, ...patch };
      current.value?.presence.set(state);
    },
    attach(sync) {
      sync?.presence.set(state);
      current.next(sync);
    },
  };
}

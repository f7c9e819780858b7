import { Observable } from 'rxjs';
import type { JsonObject } from '../core/index.js';
import type { PresenceUpdateMessage } from '../protocol/index.js';
import type { TabRelay } from '../sync/index.js';
import type { Presence, PresenceControl } from './presence.js';

/**
 * Presence across the tabs of one replica (with shared tabs). The replica has
 * one presence: the state last set in any of its tabs (each tab's `self`
 * follows it), sent by the leader, whose control alone is connected. The
 * leader relays what the server says about the others to the followers
 * (presence-plugin.ts), and a follower asks for a snapshot whenever a new
 * leader speaks.
 */
export function sharePresence(control: PresenceControl, tabs: TabRelay): Presence {
  const adopt = (state: unknown) => {
    try {
      control.presence.set(state as JsonObject | null);
    } catch {
      // Another tab's app passed the same checks before posting; a malformed message is dropped.
    }
  };
  tabs.on('presence:set', (payload) => adopt((payload as { state?: unknown } | undefined)?.state ?? null));
  tabs.on('presence:peers', (payload) => {
    if (!tabs.leading() && (payload as { type?: unknown } | undefined)?.type === 'presence') control.receive(payload as PresenceUpdateMessage);
  });
  tabs.on('presence:ask', () => tabs.leading() && tabs.post('presence:peers', control.snapshot()));
  tabs.onLeader((self) => !self && tabs.post('presence:ask'));
  const share = () => tabs.post('presence:set', { state: control.presence.self });
  return {
    get self() {
      return control.presence.self;
    },
    set(state) {
      control.presence.set(state);
      share();
    },
    peers$: new Observable((subscriber) => {
      const subscription = control.presence.peers$.subscribe(subscriber);
      // Watching makes the replica visible, whichever tab watches.
      share();
      return subscription;
    }),
  };
}

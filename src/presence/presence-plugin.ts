import type { SyncPlugin } from '../sync/index.js';
import { createPresence, type Presence, type PresenceOptions } from './presence.js';
import { sharePresence } from './share-presence.js';

/** What presence() adds to the Sync object. */
export interface PresenceSync {
  /** Who else is connected to the library and what they are doing; this replica's own state. */
  readonly presence: Presence;
}

/**
 * The presence plugin for createSync: adds `sync.presence` (see presence.ts).
 * With shared tabs, the tabs of one replica share one presence and the
 * leader's connection carries it.
 *
 *   const sync = createSync(store, { url, library, getToken, plugins: [presence()] });
 *   sync.presence.set({ viewing: 'list-1' });
 */
export function presence(options: PresenceOptions = {}): SyncPlugin<PresenceSync> {
  return {
    name: 'presence',
    install({ tabs }) {
      const control = createPresence(options);
      return {
        adds: { presence: tabs ? sharePresence(control, tabs) : control.presence },
        connect(connection) {
          let live = false;
          connection.onPresence((message) => {
            control.receive(message);
            // The leader relays what the server says about the others to the followers.
            tabs?.post('presence:peers', message);
          });
          const subscription = connection.state.subscribe(({ phase }) => {
            if ((phase === 'live') === live) return;
            live = !live;
            if (live) control.connected(connection.sendPresence);
            else control.disconnected();
          });
          return () => {
            subscription.unsubscribe();
            if (live) control.disconnected();
          };
        },
      };
    },
  };
}

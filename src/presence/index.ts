/**
 * 'trellis/presence': the createSync plugin that shows who else is connected
 * to a library and what they are doing (ephemeral: never an op, never
 * stored). Imports sync through its index.ts, protocol and core; nothing
 * below imports it, so an app without it ships none of it.
 *
 *   import { presence } from 'trellis/presence';
 *   const sync = createSync(store, { url, library, getToken, plugins: [presence()] });
 *   sync.presence.set({ viewing: 'list-1' });
 *   sync.presence.peers$.subscribe((users) => render(users));
 */
export { presence } from './presence-plugin.js';
export type { PresenceSync } from './presence-plugin.js';
export type { Presence, PresenceUser, PresenceReplica, PresenceOptions } from './presence.js';

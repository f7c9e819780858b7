/**
 * 'trellis/tabs': the createSync plugin that lets the tabs of one store share
 * its replica and one connection (a Web Lock elects the leader tab; the others
 * follow over a BroadcastChannel and take over when it goes). Imports sync
 * through its index.ts (and sync/internals.ts), the store through
 * store/index.ts; nothing below imports it.
 *
 *   import { sharedTabs } from 'trellis/tabs';
 *   const sync = createSync(store, { url, library, getToken, plugins: [sharedTabs()] });
 */
export { sharedTabs } from './shared-tabs.js';
export type { TabsOptions } from './shared-tabs.js';
export type { TabLocks } from './leader.js';
export type { BroadcastChannelConstructor } from './channel.js';

/**
 * 'trellis/sync': the client sync plugin. Connects a store to a Trellis server
 * for one library, pushes local ops, applies remote ones, and runs the
 * initial-sync protocol (accept / resume / reset with consent and archive);
 * presence shows who else is connected (never stored).
 * Reaches the store only through store/index.ts; never imports server code.
 *
 *   import { createSync } from 'trellis/sync';
 *   const sync = createSync(store, { url, library: 'lib-1', token });
 *   sync.presence.set({ viewing: 'list-1' });
 */
export { createSync } from './create-sync.js';
export type { Sync, SyncOptions, SyncState, SyncPhase, JoinReason, AutoJoin, TabsOptions, Rejection } from './types.js';
export type { AtRiskChanges } from './at-risk.js';
export type { TabLocks } from './tabs/leader.js';
export type { BroadcastChannelConstructor } from './tabs/channel.js';
export type { Transport, TransportFactory, TransportOptions } from './transport.js';
export type { Presence, PresenceUser, PresenceReplica } from './presence.js';

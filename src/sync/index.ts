/**
 * 'trellis/sync': the client sync plugin. Connects a store to a Trellis server
 * for one library, pushes local ops, applies remote ones, and runs the
 * initial-sync protocol (accept / resume / reset with consent and archive).
 * Presence, files and shared tabs are opt-in plugins from their own entries
 * ('trellis/presence', 'trellis/files', 'trellis/tabs'; the interface is in
 * types.ts): an app ships only the ones it imports.
 * Reaches the store only through store/index.ts; never imports server code
 * or a plugin.
 *
 *   import { createSync } from 'trellis/sync';
 *   import { presence } from 'trellis/presence';
 *   const sync = createSync(store, { url, library: 'lib-1', token, plugins: [presence()] });
 *   sync.presence.set({ viewing: 'list-1' });
 */
export { createSync, type SyncWith } from './create-sync.js';
export type { Sync, SyncOptions, SyncState, SyncPhase, JoinReason, AutoJoin, Rejection } from './types.js';
export type { SyncPlugin, SyncPluginContext, InstalledPlugin, SyncConnection, TabRelay, TabSharing, LeaderSync, PluginAdds, SyncError } from './types.js';
export type { AtRiskChanges } from './at-risk.js';
export type { Transport, TransportFactory, TransportKind, TransportOptions } from './transport.js';

/**
 * 'trellis/sync': the client sync plugin. Connects a store to a Trellis server
 * for one library, pushes local ops, applies remote ones, and runs the
 * initial-sync protocol (accept / resume / reset with consent and archive).
 * Reaches the store only through store/index.ts; never imports server code.
 *
 *   import { createSync } from 'trellis/sync';
 *   const sync = createSync(store, { url, library: 'lib-1', token });
 */
export { createSync } from './create-sync.js';
export type { Sync, SyncOptions, SyncState, SyncPhase, JoinReason, AutoJoin } from './types.js';
export type { Transport, TransportFactory, TransportOptions } from './transport.js';

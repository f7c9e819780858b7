/**
 * 'trellis/react': React hooks over a store and its sync plugin, built on
 * `useSyncExternalStore` (React 18 or later, an optional peer dependency).
 * Sits above store and sync: imports 'trellis', store/index.ts,
 * sync/index.ts and the framework-neutral bindings/ only; nothing below
 * imports it, so no React reaches 'trellis' or 'trellis/sync'.
 *
 *   const todos = useQuery(() => store.collection('todos').find({ orderBy: 'createdAt' }), [store]);
 *   if (todos.status === 'loading') return 'Loading…';
 *   const { required, atRisk, join } = useJoinLibrary(sync);
 */
export { useQuery } from './use-query.js';
export { useDoc } from './use-doc.js';
export { useSyncState } from './use-sync-state.js';
export { usePresence } from './use-presence.js';
export { useJoinLibrary } from './use-join-library.js';
export { AT_RISK_FORMAT } from '../bindings/index.js';
export type { LiveResult } from './observable-source.js';
export type { PresenceView } from './use-presence.js';
export type { JoinLibrary } from './use-join-library.js';

/**
 * 'trellis/vue': Vue 3 composables over a store and its sync plugin (Vue 3.3
 * or later, an optional peer dependency), each returning refs with the
 * meaning of the trellis/react hooks. Sits above store and sync: imports
 * 'trellis', store/index.ts, sync/index.ts, presence/index.ts (types) and the
 * framework-neutral bindings/ only; nothing below imports it, so no Vue
 * reaches 'trellis' or 'trellis/sync'. Call the composables in `setup()`:
 * their subscriptions end when the component's scope is disposed.
 *
 *   const todos = useQuery(() => store.collection('todos').find({ orderBy: 'createdAt' }));
 *   // todos.value.status: 'loading' | 'ready' | 'error'
 *   const { required, atRisk, join } = useJoinLibrary(sync);
 */
export { useQuery } from './use-query.js';
export { useDoc } from './use-doc.js';
export { useSyncState } from './use-sync-state.js';
export { usePresence } from './use-presence.js';
export { useJoinLibrary } from './use-join-library.js';
export { AT_RISK_FORMAT } from '../bindings/index.js';
export type { LiveResult } from '../bindings/index.js';
export type { LiveRef } from './live-ref.js';
export type { PresenceView } from './use-presence.js';
export type { JoinLibrary } from './use-join-library.js';

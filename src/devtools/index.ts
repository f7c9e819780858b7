/**
 * 'trellis/devtools': a panel for looking inside a store and its sync while
 * developing: the replica id, the sync phase and pending count, the op log's
 * tail (live), a document's merge state on request, the archives (export as
 * JSON), the cursor, the horizon and truancy, presence (when the sync has
 * the presence plugin) and the last errors. Plain DOM, no framework; user
 * data is only ever rendered as text.
 *
 * Sits above store/ and sync/, reaching them through their index.ts only;
 * nothing in 'trellis' or 'trellis/sync' imports it, so an app that does not
 * import it ships none of it.
 *
 *   import { mountDevtools } from 'trellis/devtools';
 *   const unmount = mountDevtools(document.getElementById('devtools')!, { store, sync });
 *   // later
 *   unmount();
 */
export { mountDevtools, MAX_TAIL } from './mount-devtools.js';
export type { DevtoolsOptions } from './mount-devtools.js';
export type { DevtoolsStore, DevtoolsSync } from './panel-context.js';
export { defineDevtoolsElement, DEVTOOLS_TAG } from './devtools-element.js';
export type { DevtoolsElement } from './devtools-element.js';
// The inspection API the panel reads, for scripts and tests of your own (internal shapes: they may change).
export { inspectStore } from '../store/index.js';
export type { StoreInspector, InspectedOp, ReplicaInspection, MergeInspection } from '../store/index.js';

/**
 * merge: the pure merge of one document's writes. It owns the merge state
 * (the writes that still matter, sorted by stamp and pruned), path
 * last-writer-wins, the list CRDT with fractional position keys, and
 * materialization to plain JSON. The same code runs on client and server.
 * Imports only `../core/index.js`: no I/O, no clocks, no runtime (no DOM,
 * `node:` or `cloudflare:`), never store, sync, protocol or server.
 *
 *   let state = applyOps(emptyDocState, [putOp, setOp]);
 *   state = mergeStates(state, remoteState);
 *   const doc = materialize(state); // JsonObject, or undefined when deleted
 */
export { emptyDocState, applyOps, mergeStates, lastWrite } from './apply-ops.js';
export { materialize, listItemsAt } from './materialize.js';
export { positionBetween, positionsFor } from './position-between.js';
export { compareEntries } from './compare-entries.js';
export { nullPath } from './prune-entries.js';

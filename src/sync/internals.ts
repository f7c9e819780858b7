/**
 * What the opt-in plugins (presence/, files/, tabs/: their own entries) use
 * of sync beyond its public index.ts. Not an entry: internal to the package,
 * so these may change with it.
 */
export { cursorKeyOf, pendingFloor, type OwnSeq } from './engine/session.js';
export { readAtRisk } from './at-risk.js';

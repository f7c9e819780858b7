/** Moved to protocol/: both sides cut frames and order seeds with the same functions. Kept for engine.ts's import. */
export { pushBatch, seedChunks, seedOrder, highestSeq } from '../protocol/index.js';

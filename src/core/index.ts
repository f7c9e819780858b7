/**
 * core: the bottom layer. Error codes, the hybrid logical clock, ids and the
 * op/baseline types that every other folder shares.
 * Imports nothing of ours and no runtime (no DOM, no node:, no cloudflare:).
 *
 *   import { TrellisError, ErrorCode, tick, stampOf } from '../core/index.js';
 */
export { ErrorCode, TrellisError, isTrellisError, wrapError } from './trellis-error.js';
export type { TrellisErrorOptions } from './trellis-error.js';
export { unexpectedCase, assert } from './assert.js';
export { createId, isFileId, isReplicaId } from './ids.js';
export type { IdGenerator } from './ids.js';
export { TS_LENGTH, initialClock, isTimestamp, formatTimestamp, parseTimestamp, tick, observe } from './hlc.js';
export type { ClockState } from './hlc.js';
export { stampOf } from './types.js';
export { deepEqual, sameOp } from './deep-equal.js';
export type { Json, JsonPrimitive, JsonObject, Path, Change, ChangeKind, Op, Stamp, StateEntry, DocState, Baseline } from './types.js';

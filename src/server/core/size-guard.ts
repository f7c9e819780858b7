/**
 * Ops too big for a frame are refused. The server stores only what it can
 * send again: an op it stored but could not re-frame (as `ops` or `snapshot`)
 * would be dropped by every live replica and missed by every late joiner.
 * The rule is the protocol's (`findOversizedOp`, MAX_OP_BYTES), the same the
 * store applies to every write.
 */
import { ErrorCode } from '../../core/index.js';
import type { Op } from '../../core/index.js';
import { MAX_OP_BYTES, findOversizedOp } from '../../protocol/index.js';
import type { Refusal } from './context.js';
import { refuse } from './outbox.js';

/** PROTOCOL_OP_TOO_LARGE for the first op of a push or seed over MAX_OP_BYTES, if any. */
export function oversizedOpRefusal(ops: readonly Op[], message: 'push' | 'seed', frameLength?: number): Refusal | undefined {
  const oversized = findOversizedOp(ops, frameLength);
  if (oversized === undefined) return undefined;
  const op = ops[oversized.index] as Op;
  return refuse(
    ErrorCode.PROTOCOL_OP_TOO_LARGE,
    `Op ${op.replicaId}#${op.seq} is ${oversized.bytes} bytes, more than the ${MAX_OP_BYTES} one op may have; split the value. Nothing of this ${message} was stored.`,
    { details: { index: oversized.index, replicaId: op.replicaId, seq: op.seq, bytes: oversized.bytes, limit: MAX_OP_BYTES } },
  );
}

/** How a client cuts its unacknowledged ops into pushes. */
import type { Op } from '../core/index.js';
import { cutFrames, frameBytes } from './frames.js';
import { MAX_FRAME_BYTES, MAX_OPS_PER_PUSH } from './limits.js';
import { opBytes } from './op-size.js';

/** `{"type":"push","ops":[]}`: what a push frame holds besides its ops. */
const PUSH_ENVELOPE_BYTES = frameBytes({ type: 'push', ops: [] });

/**
 * The first push of `ops` (oldest first): at most MAX_OPS_PER_PUSH ops whose
 * push frame is at most MAX_FRAME_BYTES in UTF-8. An op of at most
 * MAX_OP_BYTES always fits alone; the store refuses bigger writes, so one
 * that does not fit here was stored by a version without that check.
 */
export function pushBatch(ops: readonly Op[]): Op[] {
  const [first] = cutFrames(ops.slice(0, MAX_OPS_PER_PUSH), {
    envelopeBytes: PUSH_ENVELOPE_BYTES,
    budgetBytes: MAX_FRAME_BYTES,
    sizeOf: opBytes,
    maxItems: MAX_OPS_PER_PUSH,
  });
  return first ?? [];
}

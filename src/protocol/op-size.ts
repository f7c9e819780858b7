/**
 * The size of an op as both sides count it: the UTF-8 bytes of its JSON. The
 * store refuses a write whose op is over MAX_OP_BYTES, the server a pushed or
 * seeded one; both with this function and that constant, so they never
 * disagree on an op at the edge.
 */
import type { Op } from '../core/index.js';
import { MAX_OP_BYTES } from './limits.js';
import { utf8Length } from './utf8.js';

/** UTF-8 bytes of the op's JSON, as encodeMessage writes it into any frame. */
export function opBytes(op: Op): number {
  return utf8Length(JSON.stringify(op));
}

/**
 * How many times longer, in UTF-16 code units, a JSON text can become when
 * parsed and encoded again: a number such as `1e20` (4 units) comes back as
 * its 21 digits; strings, keys and literals come back no longer (escapes stay
 * or shrink), and whitespace goes. Pinned by test/unit/protocol/op-size.test.ts.
 */
export const MAX_REENCODE_GROWTH = 21 / 4;

/**
 * True when no op decoded from a frame of `frameLength` UTF-16 code units can
 * be over MAX_OP_BYTES once encoded again (a code unit is at most 3 UTF-8
 * bytes): frames under about 64 KiB, nearly all pushes, need no op sized.
 */
export const opsFitFrame = (frameLength: number): boolean => frameLength * MAX_REENCODE_GROWTH * 3 <= MAX_OP_BYTES;

/**
 * The first op of a message over MAX_OP_BYTES, with its index and size; undefined when every op fits.
 * `frameLength`, the length of the frame the ops were decoded from, lets a small frame skip the sizing.
 */
export function findOversizedOp(ops: readonly Op[], frameLength?: number): { readonly index: number; readonly bytes: number } | undefined {
  if (frameLength !== undefined && opsFitFrame(frameLength)) return undefined;
  for (let index = 0; index < ops.length; index++) {
    // Sized as re-encoded, never as received: `1e20` grows to 21 characters, so a small frame may hold a huge op.
    const json = JSON.stringify(ops[index]);
    // A UTF-16 code unit is at most 3 UTF-8 bytes: most ops fit without counting.
    if (json.length * 3 <= MAX_OP_BYTES) continue;
    const bytes = utf8Length(json);
    if (bytes > MAX_OP_BYTES) return { index, bytes };
  }
  return undefined;
}

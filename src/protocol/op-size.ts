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

/** The first op of a message over MAX_OP_BYTES, with its index and size; undefined when every op fits. */
export function findOversizedOp(ops: readonly Op[]): { readonly index: number; readonly bytes: number } | undefined {
  for (let index = 0; index < ops.length; index++) {
    // Sized as re-encoded, never as received: `1e20` grows to 21 characters, so a small frame may hold a huge op.
    const bytes = opBytes(ops[index] as Op);
    if (bytes > MAX_OP_BYTES) return { index, bytes };
  }
  return undefined;
}

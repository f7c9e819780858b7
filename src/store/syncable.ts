/**
 * Every local op must be one a server accepts: the store checks each op it
 * records against the wire's own schema (protocol/) before writing anything.
 * A write the wire would refuse (a map key `__proto__`, an id over 256
 * characters, a value nested deeper than 32, an op too big for a frame)
 * would otherwise be stored, then refused at every push and every seed, and
 * block this replica's sync for good.
 */
import * as v from 'valibot';
import type { Op } from '../core/index.js';
import { ErrorCode, TrellisError } from '../core/index.js';
import { MAX_OP_BYTES, OpSchema, opBytes } from '../protocol/index.js';

/** Throws SCHEMA_VIOLATION (nothing written) when `op` could not be synced. */
export function assertSyncable(op: Op): void {
  const result = v.safeParse(OpSchema, op, { abortEarly: true });
  if (!result.success) {
    const issue = result.issues[0];
    const path = (issue.path ?? []).map((item) => String(item.key));
    throw new TrellisError(
      ErrorCode.SCHEMA_VIOLATION,
      `${op.collection} "${op.id.slice(0, 64)}": this write cannot be synced (${issue.message} at ${path.join('.') || 'the op'}); nothing was written.`,
      { details: { collection: op.collection, id: op.id, path } },
    );
  }
  // The server refuses an op over the same limit, measured by the same function (PROTOCOL_OP_TOO_LARGE).
  const bytes = opBytes(op);
  if (bytes > MAX_OP_BYTES) {
    throw new TrellisError(
      ErrorCode.SCHEMA_VIOLATION,
      `${op.collection} "${op.id.slice(0, 64)}": this write is ${bytes} bytes, more than the ${MAX_OP_BYTES} one op may have; split the value. Nothing was written.`,
      { details: { collection: op.collection, id: op.id, bytes, limit: MAX_OP_BYTES } },
    );
  }
}

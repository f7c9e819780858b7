/**
 * The server acknowledges or rejects only own ops it was sent, so never a seq
 * past the last one this replica allocated. A caller naming one (a buggy or
 * hostile server's frame the sync engine let through) is refused with nothing
 * changed: the acknowledged seq moved past the local seq would count the next
 * writes as acknowledged, and they would never be pushed.
 */
import { ErrorCode, TrellisError } from '../core/index.js';

export function assertNotPastLocalSeq(o: { seq: number; localSeq: number; what: 'acknowledged' | 'rejected' }): void {
  if (o.seq <= o.localSeq) return;
  throw new TrellisError(
    ErrorCode.PROTOCOL_INVALID_MESSAGE,
    `The server ${o.what} own seq ${o.seq}, past the last seq this replica wrote (${o.localSeq}): nothing was changed. The server is at fault; report it to its operator.`,
    { details: { seq: o.seq, localSeq: o.localSeq } },
  );
}

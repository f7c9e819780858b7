/**
 * An `ack` or `reject` names own seqs the server has handled. A seq this
 * replica never wrote cannot be one of them: the store would count its next
 * writes as acknowledged and never push them. Such a frame is a protocol
 * error from the server: dropped, shown in state.error, as an invalid frame
 * is (engine.ts), and nothing moves.
 */
import { ErrorCode } from '../../core/index.js';
import type { AckMessage, RejectMessage } from '../../protocol/index.js';
import { onReport } from './on-connection.js';
import type { Step } from './next.js';
import type { Session } from './session.js';

/**
 * The highest own seq this connection knows the store holds: what the hello said (the store's seq
 * then), or the last op pushed since (every op pushed is in the store). An honest server acknowledges
 * or rejects only ops it was sent, so only seqs up to this.
 */
export function knownLocalSeq(s: Session): number {
  const pushed = s.link.pushedThrough;
  const viaPush = pushed !== undefined && pushed.replicaId === s.replicaId ? pushed.seq : 0;
  return Math.max(s.link.localSeq ?? 0, viaPush);
}

/** The frame's highest seq when it is past knownLocalSeq, else undefined. */
export function seqBeyondLocal(s: Session, message: AckMessage | RejectMessage): number | undefined {
  const seq = message.type === 'ack' ? Math.max(message.fromSeq, message.toSeq) : message.seq;
  return seq > knownLocalSeq(s) ? seq : undefined;
}

/** Drops the frame and reports it; the session's acknowledged seq and the store are untouched. */
export function refuseBeyondLocal(s: Session, o: { message: AckMessage | RejectMessage; seq: number }): Step {
  const what = o.message.type === 'ack' ? 'acknowledges' : 'rejects';
  const error = {
    code: ErrorCode.PROTOCOL_INVALID_MESSAGE,
    message: `The server's ${o.message.type} ${what} own seq ${o.seq}, past the ${knownLocalSeq(s)} this replica has written: the frame was ignored. Report this to the server's operator.`,
  };
  return onReport(s, error);
}

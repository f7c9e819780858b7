/** Which message may arrive in which phase, and with which role. Checked before any handler runs. */
import { ErrorCode } from '../../core/index.js';
import type { ClientMessageType } from '../../protocol/index.js';
import type { ConnectionState, Refusal } from './context.js';
import { refuse, unexpected } from './outbox.js';

export function gate(conn: ConnectionState, type: ClientMessageType): Refusal | undefined {
  const { phase } = conn;
  if (type === 'hello') return phase === 'greeting' ? undefined : unexpected('hello was already received on this connection.');
  if (phase === 'greeting') return unexpected(`Send hello before ${type}.`);
  if ((type === 'push' || type === 'seed') && conn.claims?.role !== 'write') {
    return refuse(ErrorCode.AUTH_FORBIDDEN, `A read token may not ${type}; request a write token.`);
  }
  if (type === 'join') {
    return phase === 'reset' ? undefined : refuse(ErrorCode.SYNC_NOTHING_TO_JOIN, 'join is only valid after a reset decision.');
  }
  if (phase === 'reset') {
    return refuse(ErrorCode.SYNC_JOIN_REQUIRED, 'This replica must reset: send join (after the user consents); nothing was stored.');
  }
  if (type === 'seed') return phase === 'seeding' ? undefined : unexpected('seed is only valid after an accept decision.');
  if (phase === 'seeding') return unexpected(`Finish the seed (a chunk with done: true) before ${type}.`);
  return undefined;
}

/**
 * Clients of protocol 4 and older cannot decode an `inc` change (version 5):
 * their decoder refuses the whole frame, and a later frame would move their
 * cursor past the op they never applied. So the server never sends them a
 * frame that holds one: it tells them to update (PROTOCOL_VERSION_MISMATCH)
 * and closes with VERSION_MISMATCH, on which they stop. Libraries without
 * counters serve them as before.
 */
import { ErrorCode } from '../../core/index.js';
import type { Baseline } from '../../core/index.js';
import { CloseCode } from '../../protocol/index.js';
import type { ServerOp } from '../../protocol/index.js';
import type { ConnectionState } from './context.js';
import { refuse, sendRefusal } from './outbox.js';

/** The first protocol whose clients decode `inc`. */
export const COUNTER_PROTOCOL = 5;

/** A connection whose hello declared a protocol older than COUNTER_PROTOCOL. */
export const readsNoCounters = (conn: ConnectionState): boolean => conn.protocol !== undefined && conn.protocol < COUNTER_PROTOCOL;

export function holdsCounter(o: { ops?: readonly ServerOp[]; baselines?: readonly Baseline[] }): boolean {
  return (
    (o.ops ?? []).some((entry) => entry.op.change.kind === 'inc') ||
    (o.baselines ?? []).some((baseline) => baseline.state.entries.some((entry) => entry.change.kind === 'inc'))
  );
}

/** Before a frame with `items` goes to `conn`: true (and the connection told and closed) when it could not read them. */
export function refuseCounters(conn: ConnectionState, items: { ops?: readonly ServerOp[]; baselines?: readonly Baseline[] }): boolean {
  if (!readsNoCounters(conn) || !holdsCounter(items)) return false;
  const message = `This library holds counters (increment), which protocol ${conn.protocol ?? '?'} cannot read; update the app to protocol ${COUNTER_PROTOCOL} or later.`;
  sendRefusal(conn, refuse(ErrorCode.PROTOCOL_VERSION_MISMATCH, message, { close: CloseCode.VERSION_MISMATCH, details: { received: conn.protocol, min: COUNTER_PROTOCOL } }));
  conn.ctx.log('info', 'connection.counters-refused', { connection: conn.id, library: conn.library, protocol: conn.protocol });
  return true;
}

/** push → validate all, write in one transaction, then (after the commit) fan out and ack. */
import type { PushMessage } from '../../protocol/index.js';
import type { ConnectionState, Outcome } from './context.js';
import { send } from './outbox.js';
import { ackRuns, storePush } from './push.js';
import { fanOut } from './stream.js';

/** `frameLength`: the push frame's length in UTF-16 code units, when it came as text (see opsFitFrame). */
export function onPush(conn: ConnectionState, push: PushMessage, frameLength?: number): Outcome {
  const result = storePush(conn, push.ops, frameLength);
  if ('error' in result) return result;
  const { duplicates, stored } = result;
  // The other replicas first: their users see the ops once the frame lands, while the pusher's user already
  // sees them (local-first) and the ack only settles its pending count. Both come after the commit; nothing
  // orders frames across connections. In one browser, both frames queue in one network process: ops first
  // cut push → ops at tab B by ~0.3 ms and delayed the ack by as much (bench: propagation).
  fanOut(conn, stored);
  for (const ack of ackRuns(conn.replicaId as string, [...duplicates, ...stored])) send(conn, ack);
  conn.ctx.log('debug', 'push.stored', {
    connection: conn.id,
    library: conn.library,
    replicaId: conn.replicaId,
    stored: stored.length,
    duplicates: duplicates.length,
  });
  return undefined;
}

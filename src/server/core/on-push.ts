/** push → validate all, write in one transaction, ack after commit, fan out. */
import type { PushMessage } from '../../protocol/index.js';
import type { ConnectionState, Outcome } from './context.js';
import { send } from './outbox.js';
import { ackRuns, commitPush, planPush } from './push.js';
import { fanOut } from './stream.js';

export function onPush(conn: ConnectionState, push: PushMessage): Outcome {
  const plan = planPush(conn, push.ops);
  if ('error' in plan) return plan;
  const stored = plan.fresh.length > 0 ? commitPush(conn, plan) : [];
  // The other replicas' ops frame goes first: it is what their users wait for (bench: propagation), while the
  // ack only clears the pusher's pending count. Both follow the commit, and no order holds across connections.
  fanOut(conn, stored);
  for (const ack of ackRuns(conn.replicaId as string, [...plan.duplicates, ...stored])) send(conn, ack);
  conn.ctx.log('debug', 'push.stored', {
    connection: conn.id,
    library: conn.library,
    replicaId: conn.replicaId,
    stored: stored.length,
    duplicates: plan.duplicates.length,
  });
  return undefined;
}

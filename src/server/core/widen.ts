/**
 * A resume after the replica widened its query (hello's `held`): after the
 * catch-up of what it held, every document newly in its query travels whole,
 * up to the head, as `snapshot` frames (baselines, then ops; the last done).
 * Nothing is reset: the replica merges them into what it has, and once
 * `synced` arrives it holds its whole query. A replica cut off before that
 * says the same `held` again and is sent the same part again (merging is
 * idempotent).
 */
import type { ConnectionState } from './context.js';
import { readLibrary } from './libraries.js';
import { widenFilter } from './replica-query.js';
import { sendSnapshot } from './stream.js';

export function sendWidening(conn: ConnectionState): void {
  const only = widenFilter(conn);
  conn.held = undefined;
  if (only === undefined) return;
  const library = readLibrary(conn.ctx.sql, conn.library);
  if (library === undefined) return;
  conn.ctx.log('info', 'replica.widened', { connection: conn.id, library: conn.library, replicaId: conn.replicaId });
  sendSnapshot(conn, library, only);
}

/**
 * The server replica: what the server API (server-api.ts) writes as. One id
 * per server database, random like a replica's own (a client cannot guess
 * it, so none can take it first), kept with the server's clock in a table of
 * its own. In each library it is registered like a replica (user
 * SERVER_USER), so its ops go through the push path: seqs gap-free per
 * library in its `replicas` row, dedupe, the schema and fan-out as for any
 * push (not the write rules: its connection is `trusted`).
 *
 * It never holds the horizon back: the server holds every op, so its acked
 * seq is kept at MAX_ACKED (a push of its own lowers it to the head, see
 * recordPush; writeAsServer raises it again right after).
 */
import { formatTimestamp, initialClock, observe, parseTimestamp, tick } from '../../core/index.js';
import type { ClockState } from '../../core/index.js';
import { MAX_TIMESTAMP_MS } from '../../protocol/index.js';
import type { ConnectionState, ServerContext } from './context.js';
import { readReplica, registerReplica } from './replicas.js';

/** The user the server replica is registered under. Write rules never run for its writes (ConnectionState.trusted), and a token naming this user is not trusted. */
export const SERVER_USER = 'trellis:server';

/** Above any server seq: the server replica has applied everything. */
const MAX_ACKED = Number.MAX_SAFE_INTEGER;

const CREATE = 'CREATE TABLE IF NOT EXISTS server_replica (key TEXT PRIMARY KEY, value TEXT NOT NULL)';

/** The server replica's id, created once per database. */
export function serverReplicaId(ctx: ServerContext): string {
  ctx.sql.exec(CREATE);
  const [row] = ctx.sql.exec<{ value: string }>("SELECT value FROM server_replica WHERE key = 'id'");
  if (row !== undefined) return row.value;
  const id = ctx.createId();
  ctx.sql.exec("INSERT INTO server_replica (key, value) VALUES ('id', ?)", id);
  return id;
}

/**
 * The next timestamp of the server replica: after its previous one and after
 * `seen` (the newest write of the document it changes), so a server write
 * wins over every write it read, even from a client whose clock runs ahead.
 */
export function nextServerStamp(ctx: ServerContext, seen: string | undefined): string {
  const [row] = ctx.sql.exec<{ value: string }>("SELECT value FROM server_replica WHERE key = 'clock'");
  let clock: ClockState = row === undefined ? initialClock : parseTimestamp(row.value);
  if (seen !== undefined) clock = observe(clock, seen);
  clock = tick(clock, Math.min(ctx.now(), MAX_TIMESTAMP_MS));
  const ts = formatTimestamp(clock);
  ctx.sql.exec("INSERT INTO server_replica (key, value) VALUES ('clock', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", ts);
  return ts;
}

/**
 * A connection of the server replica to `library`, never registered among the
 * live ones (fan-out reaches every live replica). Registers the replica in
 * the library on its first write, and marks it seen and caught up.
 */
export function serverConnection(ctx: ServerContext, library: string): ConnectionState {
  const replicaId = serverReplicaId(ctx);
  const key = { library, replica: replicaId };
  const row = readReplica(ctx.sql, key);
  if (row === undefined) registerReplica(ctx.sql, { ...key, user: SERVER_USER, now: ctx.now(), ackedSeq: MAX_ACKED, maxSeq: 0 });
  else caughtUp(ctx, library, replicaId);
  return {
    ctx,
    id: 0,
    library,
    socket: { send: () => {}, close: () => {} },
    phase: 'live',
    claims: { library, user: SERVER_USER, role: 'write', exp: Number.POSITIVE_INFINITY },
    replicaId,
    localSeq: 0,
    seed: undefined,
    badFrames: 0,
    queue: [],
    trusted: true,
  };
}

/** Seen now, active, and holding no horizon back (after its own push lowered its acked seq to the head). */
export function caughtUp(ctx: ServerContext, library: string, replicaId: string): void {
  ctx.sql.exec(
    "UPDATE replicas SET acked_seq = ?, last_seen = ?, status = 'active' WHERE library = ? AND replica = ?",
    MAX_ACKED,
    ctx.now(),
    library,
    replicaId,
  );
}

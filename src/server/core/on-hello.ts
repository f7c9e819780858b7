/** hello → exactly one decision (see decide.ts), and what follows it. */
import { ErrorCode, unexpectedCase } from '../../core/index.js';
import { CloseCode, opHash } from '../../protocol/index.js';
import type { DecisionMessage, HelloMessage, Query } from '../../protocol/index.js';
import { libraryConnections } from './context.js';
import type { ConnectionState, Outcome } from './context.js';
import { decide } from './decide.js';
import { forkOf } from './forks.js';
import { inRefusedRange } from './refused-ranges.js';
import { translateHello } from './failover.js';
import type { Verdict } from './decide.js';
import { ensureLibrary, hasHistory, readLibrary } from './libraries.js';
import type { LibraryRow } from './libraries.js';
import { refuse, send, sendBurst } from './outbox.js';
import { readOwnOps } from './op-log.js';
import { markTruant, readReplica } from './replicas.js';
import type { ReplicaRow } from './replicas.js';
import { createSeedBuffer } from './seed.js';
import { resendRejections } from './resend-rejections.js';
import { checkSchemaVersion } from './schema-version.js';
import { sendCatchUp } from './stream.js';
import { connectionQuery, setConnectionQuery } from './replica-query.js';
import { sendWidening } from './widen.js';
import type { Claims, Role } from './types.js';

/** What every decision carries: the library's state when it was made. */
type DecisionFields = Omit<Extract<DecisionMessage, { decision: 'resume' }>, 'decision'>;

export function onHello(conn: ConnectionState, told: HelloMessage): Outcome {
  const { ctx } = conn;
  const { role, user } = conn.claims as Claims;
  // Before anything is read or stored: an outdated replica gets no decision (schema-version.ts).
  const outdated = checkSchemaVersion(told, ctx.minSchemaVersion);
  if (outdated !== undefined) {
    ctx.log('info', 'hello.schema-outdated', { connection: conn.id, library: conn.library, replicaId: told.replicaId, schemaVersion: told.schemaVersion ?? null, required: ctx.minSchemaVersion });
    return outdated;
  }
  // A cursor a peer of this server issued resumes here (failover.ts).
  const hello = translateHello(conn, { hello: told, user });
  const replica = readReplica(ctx.sql, { library: conn.library, replica: hello.replicaId });
  if (replica !== undefined && replica.user !== user) {
    // A replica id is bound to the user who registered it: nobody may speak (or push) as another user's replica.
    ctx.log('warn', 'replica.forbidden', { connection: conn.id, library: conn.library, replicaId: hello.replicaId, user });
    return refuse(ErrorCode.AUTH_REPLICA_FORBIDDEN, 'This replica id belongs to another user of this library; open one store per user.', {
      details: { replicaId: hello.replicaId },
      close: CloseCode.REPLICA_FORBIDDEN,
    });
  }
  const library = libraryFor(conn, role);
  const history = hasHistory(ctx.sql, conn.library);
  if (!history && role === 'write' && ctx.seeding.has(conn.library)) {
    return refuse(ErrorCode.SYNC_LIBRARY_BUSY, 'Another replica is seeding this library; reconnect shortly.', {
      close: CloseCode.TRY_AGAIN_LATER,
    });
  }
  const holdsRefused = hello.cursor !== null && hello.cursor.epoch === library.epoch && inRefusedRange(ctx.sql, { library: conn.library, serverSeq: hello.cursor.serverSeq });
  const verdict = decide({ library, hasHistory: history, replica, hello, role, now: ctx.now(), truancyMs: ctx.truancyMs, holdsRefused });
  conn.replicaId = hello.replicaId;
  conn.localSeq = hello.localSeq;
  conn.protocol = hello.protocol;
  setConnectionQuery(conn, hello);
  const { localSeq, atRisk } = hello;
  ctx.log('info', 'hello.decision', { connection: conn.id, library: conn.library, replicaId: hello.replicaId, localSeq, atRisk, ...verdict });
  const fields: DecisionFields = {
    type: 'decision',
    epoch: library.epoch,
    serverSeq: library.head_seq,
    horizon: library.horizon,
    replicaSeq: replica?.max_seq ?? 0,
    // The client compares it with its own op at replicaSeq before acknowledging: a copied profile shows as a fork.
    replicaHash: replicaHash(conn, replica),
    ...queryField(conn),
    ...peeringFields(conn, hello),
  };
  return answer(conn, { verdict, fields, hello, replica });
}

/**
 * The library's row. A writer creates a missing one (its seed follows); a reader
 * only sees what a new one would be, and nothing is stored: reading creates no
 * state. The epoch a reader was told lives on its connection only; a writer that
 * creates the library while such a reader is connected adopts it, so the reader
 * returns as a late joiner, as when its hello created the row. (A Durable Object
 * that hibernates meanwhile forgets it: that reader then gets `library-reset`.)
 */
function libraryFor(conn: ConnectionState, role: Role): LibraryRow {
  const { ctx } = conn;
  const existing = readLibrary(ctx.sql, conn.library);
  if (existing !== undefined) return existing;
  const told = libraryConnections(ctx, conn.library).find((c) => c.unstoredEpoch !== undefined)?.unstoredEpoch;
  const fresh = { library: conn.library, epoch: told ?? ctx.createId(), now: ctx.now() };
  if (role === 'write') return ensureLibrary(ctx.sql, fresh);
  conn.unstoredEpoch = fresh.epoch;
  return { library: fresh.library, epoch: fresh.epoch, head_seq: 0, horizon: 0, created_at: fresh.now };
}

/** Protocol 5: this server's id (kept in the client's cursor, for failover to a peer) and the replica's fork between servers, if any. */
function peeringFields(conn: ConnectionState, hello: HelloMessage): { serverId?: string; fork?: { seq: number; hash: string } } {
  if (hello.protocol < 5) return {};
  const fork = forkOf(conn.ctx.sql, { library: conn.library, replica: hello.replicaId });
  return fork === undefined ? { serverId: conn.ctx.serverId } : { serverId: conn.ctx.serverId, fork };
}

/** The query this replica is sent, when it is not the whole library (replica-query.ts). */
function queryField(conn: ConnectionState): { query?: Query } {
  const query = connectionQuery(conn);
  return query === undefined ? {} : { query };
}

function answer(conn: ConnectionState, o: { verdict: Verdict; fields: DecisionFields; hello: HelloMessage; replica: ReplicaRow | undefined }): Outcome {
  const { verdict, fields } = o;
  switch (verdict.decision) {
    case 'accept':
      conn.seed = createSeedBuffer();
      conn.phase = 'seeding';
      conn.ctx.seeding.set(conn.library, conn);
      send(conn, { ...fields, replicaSeq: 0, replicaHash: null, decision: 'accept' });
      return undefined;
    case 'resume':
      resendRejections(conn, { hello: o.hello, replica: o.replica });
      send(conn, { ...fields, decision: 'resume' });
      sendBurst(conn, () => {
        sendCatchUp(conn, o.hello.cursor?.serverSeq ?? 0);
        // A widened query: the newly matching documents, whole, after the catch-up (widen.ts).
        sendWidening(conn);
        send(conn, { type: 'synced', serverSeq: fields.serverSeq });
      });
      conn.phase = 'live';
      return undefined;
    case 'reset':
      if (verdict.markTruant) markTruant(conn.ctx.sql, { library: conn.library, replica: o.hello.replicaId });
      conn.phase = 'reset';
      send(conn, { ...fields, decision: 'reset', reason: verdict.reason });
      return undefined;
    default:
      return unexpectedCase(verdict);
  }
}

/**
 * The hash of the replica's op at max_seq. A row written before protocol 4 has none: it is
 * derived from the op log while the op is still there (not yet compacted), so a copy that
 * resumes on an upgraded server is still checked; only an op already squashed away leaves null.
 */
function replicaHash(conn: ConnectionState, replica: ReplicaRow | undefined): string | null {
  if (replica === undefined || replica.max_seq === 0) return null;
  if (replica.last_hash !== null) return replica.last_hash;
  const [stored] = readOwnOps(conn.ctx.sql, { library: conn.library, replica: replica.replica, fromSeq: replica.max_seq, toSeq: replica.max_seq });
  return stored === undefined ? null : opHash(stored.op);
}

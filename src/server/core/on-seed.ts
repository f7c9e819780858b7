/** seed chunks after an accept; the last one commits the library's history. */
import { ErrorCode } from '../../core/index.js';
import { CloseCode } from '../../protocol/index.js';
import type { SeedMessage } from '../../protocol/index.js';
import { libraryConnections } from './context.js';
import type { ConnectionState, Outcome, SeedBuffer } from './context.js';
import { hasHistory } from './libraries.js';
import { closeConnection, refuse, send } from './outbox.js';
import { baselinesAheadRefusal, opsAheadRefusal } from './clock-guard.js';
import { scopeRefusal } from './replica-query.js';
import { bufferSeed, commitSeed, createSeedBuffer, prepareSeed } from './seed.js';

export function onSeed(conn: ConnectionState, chunk: { message: SeedMessage; bytes: number }): Outcome {
  const { ctx } = conn;
  const buffer = conn.seed as SeedBuffer;
  const refused = bufferSeed(buffer, { ...chunk, limit: ctx.limits.maxSeedBytes });
  // A refused or finished seed starts over: the client may send a corrected one.
  if (refused !== undefined || chunk.message.done) conn.seed = createSeedBuffer();
  if (refused !== undefined || !chunk.message.done) return refused;
  const prepared = prepareSeed(buffer);
  if ('error' in prepared) return prepared;
  const early =
    scopeRefusal(conn, [...prepared.ops, ...prepared.baselines.values()]) ?? opsAheadRefusal(ctx, prepared.ops) ?? baselinesAheadRefusal(ctx, prepared.baselines.values());
  if (early !== undefined) return early;
  if (hasHistory(ctx.sql, conn.library)) {
    // A replica that was live on the empty library pushed meanwhile: its history came first. Come back and be decided again.
    return refuse(ErrorCode.SYNC_LIBRARY_BUSY, 'The library gained history during the seed; reconnect.', { close: CloseCode.TRY_AGAIN_LATER });
  }
  const head = commitSeed(conn, prepared);
  ctx.seeding.delete(conn.library);
  conn.seed = undefined;
  conn.phase = 'live';
  const stored = head > 0 || prepared.baselines.size > 0;
  ctx.log('info', 'seed.committed', { connection: conn.id, library: conn.library, replicaId: conn.replicaId, ops: head, baselines: prepared.baselines.size });
  send(conn, { type: 'synced', serverSeq: head });
  if (stored) {
    // Others connected while the library was empty lack the seeded history: they come back as late joiners.
    for (const other of libraryConnections(ctx, conn.library)) {
      if (other !== conn) closeConnection(other, { code: CloseCode.LIBRARY_RESEEDED, reason: 'library seeded' });
    }
  }
  return undefined;
}

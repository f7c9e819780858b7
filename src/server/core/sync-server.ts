/** createSyncServer: the runtime-free sync server over a SqlStorage. */
import { createId } from '../../core/index.js';
import { CloseCode, MAX_BAD_FRAMES, MAX_FRAME_BYTES, MAX_OPS_PER_PUSH, SNAPSHOT_CHUNK_BYTES } from '../../protocol/index.js';
import { compactLibrary, nextCompaction } from './compaction.js';
import { connect, replicate, restore } from './connection.js';
import { listForks } from './forks.js';
import { readServerId } from './server-identity.js';
import { libraryConnections } from './context.js';
import type { ServerContext } from './context.js';
import { countLibraries, deleteLibrary, listLibraries } from './libraries.js';
import { closeConnection } from './outbox.js';
import { expirePresence } from './presence.js';
import { nextPresenceExpiry } from './presence-members.js';
import { createProfileCache } from './profiles.js';
import { createDocCache } from './doc-cache.js';
import { indexDocuments, migrate } from './schema.js';
import { revokeTokens } from './revocations.js';
import { inspectLibrary } from './inspect.js';
import { serverLibrary } from './server-api.js';
import { snapshotForHttp } from './snapshot-http.js';
import { requiredSchemaVersion } from './schema-version.js';
import type { EvictOptions, SyncLimits, SyncServer, SyncServerOptions } from './types.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export const DEFAULT_TRUANCY_MS = 30 * DAY_MS;

/** How long a disconnected replica stays in presence, so that a quick reconnect does not flicker. */
export const DEFAULT_PRESENCE_GRACE_MS = 5000;

export const DEFAULT_LIMITS: SyncLimits = {
  maxOpsPerPush: MAX_OPS_PER_PUSH,
  maxSeedBytes: 64 * 1024 * 1024,
  chunkBytes: SNAPSHOT_CHUNK_BYTES,
  compactEveryOps: 1000,
  // About 30 ms of squashing on a laptop (a 100,000-op backlog took 2.4 to 3.5 s in one step, issue 14).
  compactSliceOps: 1000,
  maxBadFrames: MAX_BAD_FRAMES,
  maxFrameBytes: MAX_FRAME_BYTES,
  maxConnectionsPerLibrary: 1000,
  maxConnectionsPerToken: 32,
  // Tokens of different expiries are different tokens: without this one user could hold every library slot.
  maxConnectionsPerUser: 32,
  // Live traffic a stalled socket may hold beyond its catch-up: 8 MiB, eight full frames.
  maxSocketQueueBytes: 8 * 1024 * 1024,
  // A well-behaved client sends one push at a time and at most five cursors a second (src/sync/cursor-throttle.ts).
  maxMessagesPerSecond: 500,
  messageBurst: 2000,
  // Forty replicas pushing at the replica rate over one peer link (a peer's frames are each still under maxFrameBytes).
  maxPeerMessagesPerSecond: 20_000,
  peerMessageBurst: 40_000,
  // Off by default: servers with a fake clock (tests) would refuse every op. Public servers: set a day.
  maxClockAheadMs: Number.POSITIVE_INFINITY,
};

/**
 * A sync server for any runtime: the adapter supplies SQL, sockets, the clock
 * and token verification.
 *
 *   const server = createSyncServer({ sql, now: Date.now, verifyToken: tokens.verify, log });
 *   const conn = server.connect({ send, close }, { library, token });
 *   socket.onmessage = (e) => conn.receive(e.data); socket.onclose = () => conn.closed();
 */
export function createSyncServer(options: SyncServerOptions): SyncServer {
  migrate(options.sql);
  if (options.schema !== undefined || options.rules !== undefined) indexDocuments(options.sql);
  const ctx = createContext(options);
  return {
    connect: (socket, connectOptions) => connect(ctx, { ...connectOptions, socket }),
    serverId: ctx.serverId,
    replicate: (socket, replicateOptions) => replicate(ctx, { ...replicateOptions, socket }),
    forks: (library) => listForks(ctx.sql, library),
    restore: (socket, saved) => restore(ctx, { socket, saved }),
    snapshot: (request) => snapshotForHttp(ctx, request),
    nextCompaction: (library) => nextCompaction(ctx, library),
    nextPresenceExpiry: (library) => nextPresenceExpiry(ctx, library),
    expirePresence: (library) => expirePresence(ctx, library),
    compact: (library) => (library === undefined ? listLibraries(ctx.sql) : [library]).map((name) => compactLibrary(ctx, name)),
    evict: (library, evictOptions) => evict(ctx, library, evictOptions),
    inspect: (library) => inspectLibrary(ctx, library),
    library: (name) => serverLibrary(ctx, { name, schema: options.schema }),
    stats: () => ({
      libraries: countLibraries(ctx.sql),
      connections: [...ctx.connections.values()].reduce((sum, set) => sum + set.size, 0),
    }),
    close: (code = CloseCode.GOING_AWAY, reason = 'server shutting down') => {
      for (const set of [...ctx.connections.values()]) for (const conn of [...set]) closeConnection(conn, { code, reason });
    },
  };
}

function createContext(options: SyncServerOptions): ServerContext {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const log = options.log ?? (() => {});
  return {
    sql: options.sql,
    now: options.now,
    log,
    serverId: readServerId(options.sql),
    truancyMs: options.truancyMs ?? DEFAULT_TRUANCY_MS,
    minSchemaVersion: requiredSchemaVersion(options),
    limits: {
      ...limits,
      // A server may be stricter than the protocol, never looser.
      maxOpsPerPush: Math.min(limits.maxOpsPerPush, MAX_OPS_PER_PUSH),
      chunkBytes: Math.min(limits.chunkBytes, SNAPSHOT_CHUNK_BYTES),
      maxFrameBytes: Math.min(limits.maxFrameBytes, MAX_FRAME_BYTES),
    },
    authority: options.schema === undefined && options.rules === undefined ? undefined : { schema: options.schema, rules: options.rules },
    docs: createDocCache(),
    createId: options.createId ?? createId,
    verifyToken: options.verifyToken,
    nextConnectionId: 1,
    connections: new Map(),
    seeding: new Map(),
    presence: new Map(),
    presenceGraceMs: options.presenceGraceMs ?? DEFAULT_PRESENCE_GRACE_MS,
    profiles: options.profiles === undefined ? undefined : createProfileCache(options.profiles, { now: options.now, log }),
    deferCompaction: options.deferCompaction,
  };
}

/** Drop the library's rows, then close its sockets; the next replica back seeds it again. */
function evict(ctx: ServerContext, library: string, options: EvictOptions = {}): void {
  ctx.sql.transaction(() => {
    deleteLibrary(ctx.sql, library);
    if (options.revokeTokens === true) revokeTokens(ctx.sql, { library, now: ctx.now() });
  });
  ctx.seeding.delete(library);
  ctx.docs.drop(library);
  const closing = libraryConnections(ctx, library);
  for (const conn of closing) closeConnection(conn, { code: CloseCode.LIBRARY_EVICTED, reason: 'library evicted' });
  // Nobody is left to tell; no grace to wait out.
  ctx.presence.delete(library);
  ctx.log('info', 'library.evicted', { library, connections: closing.length });
}

/** The server core's contracts with its adapters: storage, sockets, auth, logs. */
/*
 * A leaf of server/core: it imports nothing from this folder, so every other
 * file may import it (the layer lint, .dependency-cruiser.cjs, refuses cycles).
 */
import type { IdGenerator, JsonObject, Op } from '../../core/index.js';
import type { Frame, Query } from '../../protocol/index.js';
import type { Schema } from '../../schema/index.js';
import type { ServerLibrary } from './server-api-types.js';

/**
 * A synchronous SQL interface. better-sqlite3 (see `trellis/server/node`) and a
 * Durable Object's `ctx.storage.sql` + `transactionSync` both satisfy it through
 * a small wrapper. `exec` runs ONE statement with `?` parameters and returns
 * its rows (an empty array for statements without rows).
 */
export interface SqlStorage {
  exec<T = Record<string, unknown>>(sql: string, ...params: unknown[]): T[];
  /** Runs `fn` in one transaction: all its writes commit, or none (when it throws). */
  transaction<T>(fn: () => T): T;
}

/** A runtime's WebSocket reduced to what the core needs (like Hono's WSContext). */
export interface ServerSocket {
  send(frame: string): void;
  close(code: number, reason: string): void;
  /**
   * Bytes handed to `send` so far, and how many of them still wait to be written to the network.
   * Absent where the runtime does not say (a Durable Object's socket has no readable buffer), and
   * then no send queue limit applies.
   */
  sendQueue?(): SendQueue;
}

export interface SendQueue {
  /** UTF-8 bytes of every frame handed to `send` on this socket. */
  readonly sentBytes: number;
  /** Of those, the bytes not yet written to the network (`ws`: `bufferedAmount`). */
  readonly bufferedBytes: number;
}

/**
 * What a token may do. `read` and `write` sync as replicas; `admin` only
 * administers (inspect, evict, compact over the adapter's admin routes) and
 * never syncs. An admin token's library is the one it administers, or `*`
 * for every library. `server` is another Trellis server replicating (peering): it
 * never syncs as a replica, and no replica token may replicate; its library is
 * one library or `*`.
 */
export type Role = 'read' | 'write' | 'admin' | 'server';

/** What a verified token grants. `exp` is in seconds since the epoch (JWT `exp`). */
export interface Claims {
  readonly library: string;
  readonly user: string;
  readonly role: Role;
  readonly exp: number;
  /** Issued at, seconds since the epoch (JWT `iat`); checked against revocations. */
  readonly iat?: number;
  /** The part of the library this token may read and write (protocol/query.ts); absent: all of it. */
  readonly scope?: Query;
}

/** Returns the token's claims or throws a TrellisError AUTH_TOKEN_MISSING / AUTH_TOKEN_INVALID / AUTH_TOKEN_EXPIRED. */
export type VerifyToken = (token: string) => Claims | Promise<Claims>;

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
/** Structured logging: a stable event name and JSON-able fields. */
export type Log = (level: LogLevel, event: string, fields: Record<string, unknown>) => void;

/** Server-side limits; each may only be stricter than the protocol's. */
export interface SyncLimits {
  /** Most ops in one push (protocol maximum MAX_OPS_PER_PUSH). */
  readonly maxOpsPerPush: number;
  /** Most bytes of seed frames buffered for one seed (SERVER_LIMIT_EXCEEDED beyond). */
  readonly maxSeedBytes: number;
  /** Target bytes of one snapshot or ops chunk (at most SNAPSHOT_CHUNK_BYTES). */
  readonly chunkBytes: number;
  /** Compact automatically after a cursor once the horizon moved this many server seqs past the last compaction. */
  readonly compactEveryOps: number;
  /** Most ops one compaction step squashes (one transaction); a bigger backlog takes several steps, with other frames served in between. */
  readonly compactSliceOps: number;
  /** Undecodable frames tolerated per connection before closing it with POLICY_VIOLATION. */
  readonly maxBadFrames: number;
  /** Largest frame accepted, in UTF-8 bytes (at most MAX_FRAME_BYTES); bigger ones are PROTOCOL_MESSAGE_TOO_LARGE. */
  readonly maxFrameBytes: number;
  /** Authorized connections one library may have; one more is refused with SERVER_LIMIT_EXCEEDED and TRY_AGAIN_LATER. */
  readonly maxConnectionsPerLibrary: number;
  /** Authorized connections one token (same user, role and expiry) may have open at once; likewise. */
  readonly maxConnectionsPerToken: number;
  /** Authorized connections one user (any role, any token) may have open to one library at once; likewise. */
  readonly maxConnectionsPerUser: number;
  /**
   * Bytes a socket may hold queued for sending, beyond the catch-up or snapshot it was sent on
   * connecting; past it the socket is closed with TRY_AGAIN_LATER (the client reconnects and catches
   * up from its cursor). Only where the runtime reports a queue (`ServerSocket.sendQueue`: Node).
   */
  readonly maxSocketQueueBytes: number;
  /** Sustained frames per second one connection may send (a token bucket of `messageBurst`); beyond, SERVER_LIMIT_EXCEEDED and TRY_AGAIN_LATER. */
  readonly maxMessagesPerSecond: number;
  /** Frames a connection may send at once above the sustained rate. */
  readonly messageBurst: number;
  /**
   * The same bucket for a link with another server (token role `server`), in place of the two above:
   * a peer forwards one frame per batch its own replicas push, so a busy library's link carries the
   * frames of many replicas and a replica's rate would cut it off (then redial and exchange again).
   */
  readonly maxPeerMessagesPerSecond: number;
  readonly peerMessageBurst: number;
  /** How far ahead of the server's clock an op's timestamp may be (ms); beyond, SERVER_CLOCK_AHEAD. */
  readonly maxClockAheadMs: number;
}

/** What a write rule sees: who writes, the document before and after the op, and the op. */
export interface WriteContext {
  /** The pushing connection's token claims. */
  readonly claims: Claims;
  readonly collection: string;
  readonly id: string;
  /** The document as the server holds it before the op; undefined when absent or deleted. */
  readonly before: JsonObject | undefined;
  /** The document the op leaves (already valid against the schema, when there is one); undefined after a delete. */
  readonly after: JsonObject | undefined;
  readonly op: Op;
}

/**
 * Returns `true` to accept the op, or a message saying why not (sent to the writer as RULE_REJECTED).
 * Any other result, or a throw, rejects the op too (a throw with a generic message, and logged).
 */
export type WriteRule = (ctx: WriteContext) => true | string;

/** Rules by collection name; a collection without a `write` rule accepts every op the schema allows. */
export type WriteRules = { readonly [collection: string]: { readonly write?: WriteRule } | undefined };

/** A user's read-only profile (name, avatar, …), attached to presence. */
export type Profile = JsonObject;

/** Where profiles come from: your user table, an auth provider, a KV. */
export interface ProfileSource {
  /** The profile of a user id (a token's `sub`); null or undefined when there is none. */
  get(userId: string): Profile | null | undefined | PromiseLike<Profile | null | undefined>;
  /** How long a looked-up profile is reused (ms). Default one minute. */
  readonly ttlMs?: number;
  /** Most profiles kept; the least recently used go first. Default 1000. */
  readonly maxEntries?: number;
}

/**
 * A connection's phase: verifying → greeting → (seeding | reset | live) → closed.
 * `reset` becomes `live` after `join`; `seeding` after the last seed chunk.
 */
export type Phase = 'verifying' | 'greeting' | 'seeding' | 'reset' | 'live' | 'peering' | 'closed';

/** A replica's presence as a connection saves it (saved-connection.ts). */
export interface SavedPresence {
  readonly state: JsonObject | null;
  readonly at: number;
}

/**
 * What `SyncServer.restore` needs to continue a connection on a recreated
 * server (saved-connection.ts says what is kept). JSON-able and small: a few
 * short strings and numbers.
 */
export interface SavedConnection {
  readonly library: string;
  readonly phase: Phase;
  readonly claims: Claims | null;
  readonly replicaId: string | null;
  readonly localSeq: number;
  readonly badFrames: number;
  /** Set when the connection joined presence; absent in states saved before presence existed. */
  readonly presence?: SavedPresence | null;
  /** hello's protocol version (packed frames from 5); absent in states saved before version 5, which then get plain frames. */
  readonly protocol?: number;
  /** hello's query narrowed to the scope (replica-query.ts); absent: the whole library, or the scope. */
  readonly query?: Query;
  /** A link with another server (phase `peering`): the peer link's state past the exchange (peer-link.ts); absent on a replica's connection. */
  readonly peer?: SavedPeerLink;
}

/** What a peer link keeps across hibernation: small flags only (the vector being received is not kept: see restorePeerLink). */
export interface SavedPeerLink {
  readonly dialer: boolean;
  readonly remote: { readonly serverId: string; readonly epoch: string | null } | null;
  readonly greeted: boolean;
  readonly vectorDone: boolean;
  readonly live: boolean;
  readonly synced: boolean;
}

export interface SyncServerOptions {
  readonly sql: SqlStorage;
  /** Milliseconds since the epoch; injected so tests control truancy and expiry. */
  readonly now: () => number;
  readonly verifyToken: VerifyToken;
  readonly log?: Log;
  /** A replica not seen for longer than this is truant and must reset. Default 30 days. */
  readonly truancyMs?: number;
  /**
   * Replicas whose schema `version` (hello `schemaVersion`) is below this are refused with SYNC_SCHEMA_OUTDATED
   * (and so is a hello that declares none, as clients of protocol 4 and older do). The effective minimum is the
   * higher of this and `schema.definition.breakingSince`. Default: none.
   */
  readonly minSchemaVersion?: number;
  /**
   * The app's own `defineSchema(...)` value. Each pushed op is applied to the document the server holds
   * and the result validated against it: an op that leaves an invalid document, or writes a collection
   * the schema does not name, is rejected (SCHEMA_VIOLATION). See rules.ts.
   */
  readonly schema?: Schema;
  /** Per collection, a `write` rule run for each pushed op after the schema check: anything but `true` rejects it (RULE_REJECTED). */
  readonly rules?: WriteRules;
  readonly limits?: Partial<SyncLimits>;
  /** Generates library epochs. Default: nanoid. */
  readonly createId?: IdGenerator;
  /**
   * Trusted, read-only profiles (name, avatar, …) attached to presence by the
   * token's user id, so clients cannot forge them: `{ get: (userId) => users.find(userId) }`.
   * Cached (`ttlMs`, default one minute; `maxEntries`, default 1000); `get` may be async.
   */
  readonly profiles?: ProfileSource;
  /** How long a disconnected replica stays in presence (a reconnect within it keeps its entry). Default 5000 ms. */
  readonly presenceGraceMs?: number;
  /**
   * Called when a compaction a cursor started left more to squash (it runs
   * in steps of `limits.compactSliceOps` ops, so a backlog never holds up
   * other frames). The adapter calls `compact(library)` again once other
   * events had their turn (Node: setImmediate; a Durable Object: an alarm),
   * and again while the result says `more`. Without it, the rest waits for
   * the next periodic compaction.
   */
  readonly deferCompaction?: (library: string) => void;
}

export interface ReplicateOptions {
  readonly library: string;
  readonly onLibraries?: (libraries: readonly string[]) => void;
}

/** One fork between servers: the same (replicaId, seq) with two op hashes; `kept` is the home server's version. */
export interface ForkRecord {
  readonly library: string;
  readonly replicaId: string;
  readonly seq: number;
  readonly kept: { readonly hash: string; readonly server: string };
  readonly refused: { readonly hash: string; readonly server: string };
  /** When this server found it (ms since the epoch). */
  readonly at: number;
}

export interface ConnectOptions {
  /** The library named by the URL; the token must name the same one. */
  readonly library: string;
  readonly token: string | null | undefined;
  /** Claims the adapter already checked with `authorize` for this library; the token is then not verified again. */
  readonly claims?: Claims;
}

/** One accepted socket, as the adapter drives it. */
export interface Connection {
  /** Feed one frame, in arrival order. Never throws. */
  receive(frame: Frame): void;
  /** The socket closed (either side). Idempotent. */
  closed(): void;
  /** What `SyncServer.restore` needs to continue this connection on a recreated server; changes only while a frame is handled. */
  save(): SavedConnection;
}

export interface EvictOptions {
  /** Also refuse, from now on, every token for this library issued until now (AUTH_TOKEN_REVOKED): old tokens cannot re-create it. */
  readonly revokeTokens?: boolean;
}

/** One replica in a LibraryInspection (SyncServer.inspect). */
export interface ReplicaInspection {
  readonly replicaId: string;
  /** The user (token `sub`) that registered the replica. */
  readonly user: string;
  /** Milliseconds since the epoch. */
  readonly firstSeen: number;
  readonly lastSeen: number;
  /** Marked truant, or away longer than the truancy window and not connected: it must reset on return. */
  readonly truant: boolean;
  /** Connected to this server now (always false when read from the database file by another process). */
  readonly connected: boolean;
  /** The replica's highest own seq stored here. */
  readonly seq: number;
  /** The server seq the replica applied everything up to (it holds the horizon back while active). */
  readonly ackedSeq: number;
}

/** What an administrator sees of one library (SyncServer.inspect, the admin routes, `trellis-server inspect`). */
export interface LibraryInspection {
  readonly library: string;
  /** Names this history of the library (a new one after an eviction or a seed). */
  readonly epoch: string;
  /** Highest server seq assigned. */
  readonly headSeq: number;
  /** Ops at or below it were squashed into baselines. */
  readonly horizon: number;
  readonly createdAt: number;
  /** Documents with a baseline or an op (deleted ones included while their tombstone is kept). */
  readonly documents: number;
  /** Ops in the log (not yet squashed). */
  readonly ops: number;
  readonly baselines: number;
  /** UTF-8 bytes of the ops' changes and the baselines' states (the library's data, without SQLite's overhead). */
  readonly bytes: number;
  readonly replicaCount: number;
  readonly replicas: readonly ReplicaInspection[];
}

export interface CompactionResult {
  readonly library: string;
  /** The library's horizon after compaction. */
  readonly horizon: number;
  /** Ops squashed into baselines by this call. */
  readonly squashed: number;
  /** The horizon may move further: call `compact(library)` again (after other events had their turn). */
  readonly more: boolean;
}

export interface SyncServer {
  connect(socket: ServerSocket, options: ConnectOptions): Connection;
  /** This server's stable id, kept in its database: peers name a replica's home server by it. */
  readonly serverId: string;
  /**
   * This server dials another to replicate `library` (peering): `socket` is the adapter's client
   * socket to the peer's sync URL, opened with a `server` token. Sends peer-hello at once; feed
   * the peer's frames to `receive`. `onLibraries` hears the libraries the peer holds.
   */
  replicate(socket: ServerSocket, options: ReplicateOptions): Connection;
  /** Forks found between servers (forks.ts), in one library or all, oldest first. */
  forks(library?: string): ForkRecord[];
  /**
   * Squash ops at or below each library's horizon into baselines; one library
   * or all. One step per library: at most `limits.compactSliceOps` ops, then
   * `more` says whether to call again.
   */
  compact(library?: string): CompactionResult[];
  /** Drop a library's rows and close its sockets with LIBRARY_EVICTED. */
  evict(library: string, options?: EvictOptions): void;
  /** What an administrator sees of a library (inspect.ts); undefined when the server holds no row for it. */
  inspect(library: string): LibraryInspection | undefined;
  /**
   * The server API (server-api.ts): the app's backend reads and writes the library's documents as
   * the server replica, through the push path (stored, fanned out, in snapshots). Throws
   * INVALID_ARGUMENT for a library name that is not a name.
   */
  library(name: string): ServerLibrary;
  /** Re-attach a socket that stayed open while the server was recreated (Durable Object hibernation), from its `save()`. */
  restore(socket: ServerSocket, saved: SavedConnection): Connection;
  /**
   * The library's snapshot for plain HTTP (`GET …/snapshots/<epoch>/<serverSeq>`, snapshot-http.ts): the
   * `snapshot` frames a joining socket gets, when the request names the library's current epoch and head.
   */
  snapshot(request: import('./snapshot-types.js').SnapshotRequest<Claims>): import('./snapshot-types.js').SnapshotResult;
  /**
   * When compacting the library could next move its horizon with no client
   * message: now (by `now()`) when it already can, else when the first
   * disconnected replica holding it back turns truant; undefined when nothing
   * waits (the horizon is at the head, or only connected replicas hold it).
   * Adapters without a periodic timer schedule compaction with it.
   */
  nextCompaction(library: string): number | undefined;
  /**
   * When (by `now()`) the grace of a disconnected replica's presence ends, in
   * one library or any; undefined when none waits. Adapters call
   * `expirePresence` then (Node: a timer; Cloudflare: the alarm).
   */
  nextPresenceExpiry(library?: string): number | undefined;
  /** Drops presence whose grace has ended and tells the library's other connections. */
  expirePresence(library?: string): void;
  stats(): { libraries: number; connections: number };
  /** Close every socket (GOING_AWAY by default); the adapter closes the database. */
  close(code?: number, reason?: string): void;
}

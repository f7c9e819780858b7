/**
 * One library's sync server as a Durable Object (a partyserver `Server`): the
 * same runtime-free core as the Node adapter, over the object's own SQLite.
 * This class only wraps sockets and SQL; every protocol rule is the core's.
 *
 * Hibernation: the object accepts its WebSockets with the hibernation API, so
 * an idle library is evicted from memory while its sockets stay open. After
 * every frame the core's `connection.save()` (phase, claims, replica) goes
 * into the socket's attachment; a woken object recreates the core and
 * `restore()`s every open socket from it before handling the event. Truancy
 * and the horizon are already in SQLite. A link with another server (a
 * `server` token: a Node server dialing this object to replicate) is a socket
 * like any other and hibernates too, its link state saved the same way.
 * Periodic compaction is an alarm,
 * set only while compacting can make progress, so an idle library costs
 * nothing (see SyncServer.nextCompaction).
 *
 * Presence is never stored: each replica's state rides in its socket's
 * attachment, and the end of a disconnected replica's grace is the same
 * alarm (no timer keeps the object awake). Profiles come from `profiles()`,
 * which a subclass overrides:
 *
 *   export class Library extends TrellisLibrary {
 *     protected override profiles(): ProfileSource {
 *       return { get: (userId) => (this.env as Env).USERS.get<Profile>(userId, 'json'), ttlMs: 60_000 };
 *     }
 *   }
 */
import { Server } from 'partyserver';
import type { Connection as Socket, ConnectionContext, WSMessage } from 'partyserver';
import { CloseCode, TRANSPORT_MAX_BYTES, utf8Exceeds } from '../../protocol/index.js';
import { answerServerApi, authorize, createHttpSessions, createSyncServer, createTokenProvider, refuseSocket } from '../core/index.js';
import type { ServerApiCall, ServerApiResult } from '../core/index.js';
import type { CompactionResult, Connection, EvictOptions, LogLevel, ProfileSource, SavedConnection, ServerSocket, SyncServer, TokenProvider, WriteRules } from '../core/index.js';
import type { Schema } from '../../schema/index.js';
import { createDurableObjectSql } from './durable-object-sql.js';
import { answeredUpgrade, relaySocket, tokenOf } from './answered-upgrade.js';
import { readSettings } from './settings.js';
import { answerFileRequest, createR2Files, fileLimits } from './r2-files.js';
import { adminRoute, answerAdminRequest } from './admin-routes.js';
import type { AdminHost, HttpSyncHost } from '../core/index.js';
import { answerHttpSyncRequest, httpSyncRoute, workerTimer } from './http-sync-routes.js';
import type { FileServer } from '../core/index.js';
import type { Settings, TrellisVars } from './settings.js';

/** A seed is buffered in memory until its last chunk; an object has 128 MB, so it accepts half of what Node does. */
const MAX_SEED_BYTES = 32 * 1024 * 1024;

/** The close code a peer's Close frame without a status code is reported with. */
const NO_STATUS = 1005;

interface Core {
  readonly server: SyncServer;
  readonly tokens: TokenProvider;
  readonly settings: Settings;
}

export class TrellisLibrary extends Server<TrellisVars> {
  static override options = { hibernate: true };

  #core: Core | undefined;
  #files: FileServer | undefined;
  /** Sync over HTTP: sessions in this object's memory (http-sync-routes.ts). */
  #http: HttpSyncHost | undefined;
  /** Connections the core admitted, until partyserver accepts their socket and calls onConnect. */
  readonly #opening = new WeakMap<Request, { conn: Connection; relay: ReturnType<typeof relaySocket> }>();
  /** Core connections by partyserver connection id. */
  readonly #connections = new Map<string, Connection>();
  /** Real time of the pending alarm: null when none, undefined until read after waking. */
  #alarmAt: number | null | undefined;
  /** A compaction slice was deferred (more to squash): the next alarm compacts even with periodic compaction off. */
  #compactionDeferred = false;

  /** Milliseconds since the epoch, for truancy and token expiry. Tests override it. */
  protected now(): number {
    return Date.now();
  }

  /** Read-only profiles for presence, by the token's user id; none by default. Override to read them from a binding. */
  protected profiles(): ProfileSource | undefined {
    return undefined;
  }

  /**
   * The app's schema (its `defineSchema(...)` value): pushed ops that leave a document it forbids are rejected
   * (SCHEMA_VIOLATION), as with createNodeServer's `schema`. None by default. Override to return it.
   */
  protected schema(): Schema | undefined {
    return undefined;
  }

  /** Write rules by collection, as createNodeServer's `rules`: anything but `true` rejects the op (RULE_REJECTED). None by default. */
  protected rules(): WriteRules | undefined {
    return undefined;
  }

  /** One JSON line per event, for Workers Logs. Debug events are left out. */
  protected log(level: LogLevel, event: string, fields: Record<string, unknown>): void {
    if (level !== 'debug') console.log(JSON.stringify({ level, event, library: this.name, ...fields }));
  }

  /**
   * Checks the token and lets the core admit the connection before
   * partyserver accepts the socket, so that a refusal (a bad or revoked
   * token, a connection limit) goes out on a socket the object never keeps.
   */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get('Upgrade')?.toLowerCase() !== 'websocket') return super.fetch(request);
    const { server, tokens } = this.#open();
    const token = tokenOf(request);
    // The Worker checked the token already; checking again keeps this class safe behind any router.
    const verdict = await authorize(tokens.verify, { library: this.name, token });
    if (!verdict.ok) {
      this.log('warn', 'connection.unauthorized', { code: verdict.error.code });
      return answeredUpgrade((socket) => refuseSocket(socket, verdict));
    }
    const relay = relaySocket();
    const conn = server.connect(relay.socket, { library: this.name, token, claims: verdict.claims });
    if (relay.closed()) return answeredUpgrade(relay.replay);
    this.#opening.set(request, { conn, relay });
    try {
      return await super.fetch(request);
    } finally {
      // partyserver failed before onConnect: the admitted connection has no socket.
      if (this.#opening.get(request)?.conn === conn) conn.closed();
      this.#opening.delete(request);
    }
  }

  override onConnect(socket: Socket, { request }: ConnectionContext): void {
    const opening = this.#opening.get(request);
    this.#opening.delete(request);
    if (opening === undefined) return socket.close(CloseCode.INTERNAL_ERROR, 'not admitted');
    opening.relay.attach(serverSocket(socket));
    this.#connections.set(socket.id, opening.conn);
    this.#save(socket, opening.conn);
  }

  override async onMessage(socket: Socket, message: WSMessage): Promise<void> {
    const conn = this.#connectionOf(socket);
    if (conn === undefined) return;
    if (exceedsTransport(message)) {
      // workerd reads far bigger frames; the protocol's transport limit is enforced here, as `ws` does in Node.
      this.log('warn', 'socket.error', { message: `frame exceeds ${TRANSPORT_MAX_BYTES} bytes` });
      serverSocket(socket).close(CloseCode.MESSAGE_TOO_BIG, 'message too big');
      return this.#closed(socket);
    }
    conn.receive(typeof message === 'string' || message instanceof ArrayBuffer ? message : new Uint8Array(message.buffer, message.byteOffset, message.byteLength));
    this.#save(socket, conn);
    await this.#schedule();
  }

  override async onClose(socket: Socket, code: number): Promise<void> {
    // partyserver answers a Close frame except one without a status code (1005); answer that too, or the client waits until the object hibernates.
    if (code === NO_STATUS) quietly(() => socket.close());
    await this.#closed(socket);
  }

  /** The Worker forwards upgrades and file requests (r2-files.ts); anything else reaching the object is not a route. */
  override async onRequest(request: Request): Promise<Response> {
    const admin = adminRoute(new URL(request.url));
    if (admin !== undefined) return answerAdminRequest(request, { path: admin.path, host: this.#adminHost() });
    const sync = httpSyncRoute(new URL(request.url));
    if (sync !== undefined) {
      const response = await answerHttpSyncRequest(request, { path: sync.path, host: this.#httpHost() });
      // Frames posted over HTTP may have made compaction or a presence expiry due, as a socket's do.
      await this.#schedule();
      return response;
    }
    return (await answerFileRequest(request, this.#fileServer())) ?? Response.json({ error: 'not found' }, { status: 404 });
  }

  /** The admin routes on this library (the Worker sends only this library's here). */
  #adminHost(): AdminHost {
    const { server, tokens } = this.#open();
    return { verifyToken: tokens.verify, everyLibrary: false, inspect: (library) => server.inspect(library), evict: (_library, options) => this.evict(options), compact: () => this.compact() };
  }

  #httpHost(): HttpSyncHost {
    if (this.#http !== undefined) return this.#http;
    const { server, tokens } = this.#open();
    const log = (level: LogLevel, event: string, fields: Record<string, unknown>) => this.log(level, event, fields);
    this.#http = { server, verifyToken: tokens.verify, sessions: createHttpSessions({ server, verifyToken: tokens.verify, setTimer: workerTimer, log, closed: () => void this.#schedule().catch(() => {}) }) };
    return this.#http;
  }

  override onError(socket: Socket, error: unknown): void {
    this.log('warn', 'socket.error', { connection: socket.id, message: String(error) });
  }

  override async onAlarm(): Promise<void> {
    this.#alarmAt = null;
    const { server, settings } = this.#open();
    try {
      server.expirePresence(this.name);
    } catch (err) {
      this.log('error', 'presence.expiry-failed', { message: String(err) });
    }
    // One alarm serves both: a presence alarm may compact a little before the interval, which is harmless.
    let more = false;
    try {
      const deferred = this.#compactionDeferred;
      this.#compactionDeferred = false;
      if (settings.compactIntervalMs > 0 || deferred) more = server.compact(this.name).some((result) => result.more);
    } catch (err) {
      this.log('error', 'compaction.failed', { message: String(err) });
    }
    await this.collectFiles().catch((err: unknown) => this.log('error', 'files.collection-failed', { message: String(err) })); // files:
    if (more) await this.#deferCompaction();
    else await this.#schedule();
  }

  /**
   * The next compaction slice as an alarm due now: an event of its own, so
   * the frames already queued are served first (SyncServerOptions.deferCompaction).
   */
  async #deferCompaction(): Promise<void> {
    this.#compactionDeferred = true;
    const at = Date.now();
    if (this.#alarmAt === undefined) this.#alarmAt = await this.ctx.storage.getAlarm();
    if (this.#alarmAt !== null && this.#alarmAt <= at) return;
    this.#alarmAt = at;
    await this.ctx.storage.setAlarm(at);
  }

  /** RPC (files): deletes this library's files unreferenced for longer than the grace period; the alarm runs it after compacting. */
  async collectFiles(): Promise<string[]> {
    return (await this.#fileServer()?.collect(this.name))?.[0]?.deleted ?? [];
  }

  /** RPC: squash one slice of what the horizon allows now; an alarm due now runs the rest (and one does it periodically). */
  async compact(): Promise<CompactionResult[]> {
    const results = this.#open().server.compact(this.name);
    if (results.some((result) => result.more)) await this.#deferCompaction();
    else await this.#schedule();
    return results;
  }

  /** files: the file server over the TRELLIS_FILES bucket and this object's SQLite; undefined without a bucket. */
  #fileServer(): FileServer | undefined {
    if (this.#files !== undefined || this.env.TRELLIS_FILES === undefined) return this.#files;
    const { tokens } = this.#open();
    const log = (level: LogLevel, event: string, fields: Record<string, unknown>) => this.log(level, event, fields);
    const options = { sql: createDurableObjectSql(this.ctx.storage), now: () => this.now(), verifyToken: tokens.verify, log, bucket: this.env.TRELLIS_FILES };
    this.#files = createR2Files({ ...options, ...fileLimits(this.env) });
    return this.#files;
  }

  /** RPC: drop the library's history and close its sockets (LIBRARY_EVICTED); the next replica back seeds it. */
  async evict(options: EvictOptions = {}): Promise<void> {
    this.#open().server.evict(this.name, options);
    this.#alarmAt = null;
    await this.ctx.storage.deleteAlarm();
  }

  /**
   * RPC: the server API on this library (server-api-remote.ts). From a Worker:
   * `remoteServerLibrary({ name, send: (call) => env.TRELLIS.get(env.TRELLIS.idFromName(name)).serverApi(call) })`.
   */
  serverApi(call: ServerApiCall): ServerApiResult {
    return answerServerApi(this.#open().server.library(this.name), call);
  }

  /** RPC: this library's row count (0 or 1) and open connections. */
  stats(): { libraries: number; connections: number } {
    return this.#open().server.stats();
  }

  /** The core over this object's SQLite; on first use after waking, every open socket is restored. */
  #open(): Core {
    if (this.#core !== undefined) return this.#core;
    const settings = readSettings(this.env);
    const now = () => this.now();
    const tokens = createTokenProvider({ secret: settings.secret, now });
    const profiles = this.profiles();
    const [schema, rules] = [this.schema(), this.rules()];
    const server = createSyncServer({
      sql: createDurableObjectSql(this.ctx.storage),
      now,
      verifyToken: tokens.verify,
      log: (level, event, fields) => this.log(level, event, fields),
      truancyMs: settings.truancyMs,
      ...(settings.minSchemaVersion === undefined ? {} : { minSchemaVersion: settings.minSchemaVersion }),
      limits: { maxSeedBytes: MAX_SEED_BYTES },
      presenceGraceMs: settings.presenceGraceMs,
      deferCompaction: () => {
        this.#deferCompaction().catch((err: unknown) => this.log('error', 'compaction.failed', { message: String(err) }));
      },
      ...(profiles === undefined ? {} : { profiles }),
      ...(schema === undefined ? {} : { schema }),
      ...(rules === undefined ? {} : { rules }),
    });
    this.#core = { server, tokens, settings };
    for (const socket of this.getConnections()) this.#restore(socket);
    return this.#core;
  }

  #connectionOf(socket: Socket): Connection | undefined {
    this.#open();
    return this.#connections.get(socket.id) ?? this.#restore(socket);
  }

  #restore(socket: Socket): Connection | undefined {
    const saved = socket.state as SavedConnection | null;
    if (saved === null) return undefined;
    const conn = (this.#core as Core).server.restore(serverSocket(socket), saved);
    this.#connections.set(socket.id, conn);
    return conn;
  }

  async #closed(socket: Socket): Promise<void> {
    this.#connectionOf(socket)?.closed();
    this.#connections.delete(socket.id);
    await this.#schedule();
  }

  /**
   * Keeps an alarm at the earlier of: the next time compaction can make
   * progress (never sooner than the interval), and the end of a presence
   * grace. None when nothing waits.
   */
  async #schedule(): Promise<void> {
    const { server } = this.#open();
    const expiry = server.nextPresenceExpiry(this.name);
    const at = Math.min(this.#compactionAt(), expiry === undefined ? Number.POSITIVE_INFINITY : Date.now() + Math.max(0, expiry - this.now()));
    if (at === Number.POSITIVE_INFINITY) return;
    if (this.#alarmAt === undefined) this.#alarmAt = await this.ctx.storage.getAlarm();
    if (this.#alarmAt !== null && this.#alarmAt <= at) return;
    this.#alarmAt = at;
    await this.ctx.storage.setAlarm(at);
  }

  /** Real time compaction could next make progress; infinity when it waits for nothing or an alarm comes soon enough. */
  #compactionAt(): number {
    const { server, settings } = this.#open();
    const interval = settings.compactIntervalMs;
    if (interval <= 0 || (typeof this.#alarmAt === 'number' && this.#alarmAt <= Date.now() + interval)) return Number.POSITIVE_INFINITY;
    const next = server.nextCompaction(this.name);
    return next === undefined ? Number.POSITIVE_INFINITY : Date.now() + Math.max(next - this.now(), interval);
  }

  /** The connection's state goes with its socket, to survive hibernation (a closed one needs nothing). */
  #save(socket: Socket, conn: Connection): void {
    const saved = conn.save();
    if (saved.phase === 'closed') return;
    try {
      socket.setState(saved);
    } catch (err) {
      // The attachment holds 2 KiB with partyserver's own fields (the URL with its token): a long
      // token or library name can leave no room for presence, which then does not survive hibernation.
      this.log('warn', 'presence.unsaved', { connection: socket.id, message: String(err) });
      try {
        socket.setState({ ...saved, presence: null });
      } catch {
        // A long replication query may not fit either: restored without it, the connection is sent its
        // token's scope (replica-query.ts), never more.
        const { query: _query, ...rest } = saved;
        socket.setState({ ...rest, presence: null });
      }
    }
  }
}

function quietly(fn: () => void): void {
  try {
    fn();
  } catch {
    // The socket is gone already.
  }
}

/** The core's view of a socket; once the core closes it, nothing is left to restore. */
function serverSocket(socket: Socket): ServerSocket {
  return {
    send: (frame) => {
      if (socket.readyState === WebSocket.READY_STATE_OPEN) socket.send(frame);
    },
    close: (code, reason) => {
      quietly(() => socket.setState(null));
      socket.close(code, reason.slice(0, 120));
    },
  };
}

function exceedsTransport(message: WSMessage): boolean {
  return typeof message === 'string' ? utf8Exceeds(message, TRANSPORT_MAX_BYTES) : message.byteLength > TRANSPORT_MAX_BYTES;
}

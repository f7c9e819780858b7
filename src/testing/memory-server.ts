/**
 * The runtime-free sync server core in this process, over real SQLite
 * (better-sqlite3) in a temp file, with no sockets: a network from
 * network.ts (or the memory transport) carries the frames. It can crash and
 * restart on the same database, like a killed process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IdGenerator } from '../core/index.js';
import { createSyncServer } from '../server/core/index.js';
import type { Schema } from '../schema/index.js';
import type { Connection, ConnectOptions, Log, ProfileSource, ServerSocket, SqlStorage, SyncLimits, SyncServer, VerifyToken, WriteRules } from '../server/core/index.js';
// The SQLite file alone, not server/node's index: that would bring the http and ws adapter along.
import { createSqliteStorage, openDatabase } from '../server/node/sqlite-storage.js';
import { createTestTokenVerifier } from './test-tokens.js';

export interface MemoryServerOptions {
  /** SQLite file. Default: a file in a new temp directory, removed by `close()`. */
  readonly path?: string;
  /** Milliseconds since the epoch. Default Date.now. */
  readonly now?: () => number;
  /** Default: test tokens (see testToken), checked against `now`. */
  readonly verifyToken?: VerifyToken;
  readonly truancyMs?: number;
  readonly limits?: Partial<SyncLimits>;
  readonly log?: Log;
  /** Library epochs. Default nanoid. */
  readonly createId?: IdGenerator;
  /** Profiles for presence (see SyncServerOptions.profiles). */
  readonly profiles?: ProfileSource;
  /** Presence grace; nothing ends it on its own here: call `server.expirePresence()`. */
  readonly presenceGraceMs?: number;
  /** The app's schema, checked against every pushed op (see SyncServerOptions.schema). */
  readonly schema?: Schema;
  /** Write rules by collection (see SyncServerOptions.rules). */
  readonly rules?: WriteRules;
}

export interface MemoryServer {
  /** The running core (a new one after each restart). */
  readonly server: SyncServer;
  /** The running core's storage, for inspecting what is stored. */
  readonly sql: SqlStorage;
  readonly path: string;
  /** How many times the server (re)started; a network drops connections of older generations. */
  readonly generation: number;
  connect(socket: ServerSocket, options: ConnectOptions): Connection;
  /**
   * Stops the core and reopens it on the same database. With `crash` (the
   * default) sockets are dropped without close frames, as when the process is
   * killed; otherwise they are closed with GOING_AWAY first.
   */
  restart(options?: { crash?: boolean }): void;
  /** Called after every (re)start with the new generation; returns an unsubscribe function. */
  onRestart(listener: (generation: number) => void): () => void;
  /** Closes the database (and removes the temp directory it created). */
  close(): void;
}

/**
 *   const memory = createMemoryServer();
 *   const network = createNetwork({ server: memory });
 *   createSync(store, { url: 'ws://memory', library: 'team', token: testToken({ library: 'team' }), transport: network.transport('a') });
 */
export function createMemoryServer(options: MemoryServerOptions = {}): MemoryServer {
  const dir = options.path === undefined ? mkdtempSync(join(tmpdir(), 'trellis-memory-')) : undefined;
  const path = options.path ?? join(dir as string, 'trellis.sqlite');
  const now = options.now ?? Date.now;
  const listeners = new Set<(generation: number) => void>();
  let db = openDatabase(path);
  let sql = createSqliteStorage(db);
  const start = (): SyncServer =>
    createSyncServer({
      sql,
      now,
      verifyToken: options.verifyToken ?? createTestTokenVerifier(now),
      ...(options.log === undefined ? {} : { log: options.log }),
      ...(options.truancyMs === undefined ? {} : { truancyMs: options.truancyMs }),
      ...(options.limits === undefined ? {} : { limits: options.limits }),
      ...(options.createId === undefined ? {} : { createId: options.createId }),
      ...(options.profiles === undefined ? {} : { profiles: options.profiles }),
      ...(options.presenceGraceMs === undefined ? {} : { presenceGraceMs: options.presenceGraceMs }),
      ...(options.schema === undefined ? {} : { schema: options.schema }),
      ...(options.rules === undefined ? {} : { rules: options.rules }),
    });
  let server = start();
  let generation = 1;
  let closed = false;
  return {
    get server() {
      return server;
    },
    get sql() {
      return sql;
    },
    path,
    get generation() {
      return generation;
    },
    connect: (socket, connectOptions) => server.connect(socket, connectOptions),
    restart(restartOptions = {}) {
      if (restartOptions.crash === false) server.close();
      db.close();
      db = openDatabase(path);
      sql = createSqliteStorage(db);
      server = start();
      generation++;
      for (const listener of [...listeners]) listener(generation);
    },
    onRestart(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      if (closed) return;
      closed = true;
      server.close();
      db.close();
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}

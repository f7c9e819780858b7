/**
 * server/core: the runtime-free sync server. Libraries, replicas, the op log,
 * the hello decision, seeding, push/ack, fan-out, truancy, the horizon and
 * compaction, presence (in memory, with profiles), and signed tokens.
 * Imports core, merge and protocol (+ jose);
 * never `node:`, `ws`, better-sqlite3, `cloudflare:`, store or sync. Adapters
 * (server/node, server/cloudflare) supply the SQL, the sockets and the clock.
 *
 *   import { createSyncServer, createTokenProvider } from 'trellis/server';
 *   const tokens = createTokenProvider({ secret });
 *   const server = createSyncServer({ sql, now: Date.now, verifyToken: tokens.verify, log });
 *   const conn = server.connect({ send, close }, { library, token });
 *   // per frame: conn.receive(frame); on close: conn.closed()
 */
export { createSyncServer, DEFAULT_LIMITS, DEFAULT_TRUANCY_MS, DEFAULT_PRESENCE_GRACE_MS } from './sync-server.js';
export type { Profile, ProfileSource } from './profiles.js';
export { createTokenProvider } from './auth.js';
export { authorize, refuseSocket } from './authorize.js';
export { DEV_SECRET, answerDevTokenRequest } from './dev-token.js';
export type { Authorization } from './authorize.js';
export type { SavedConnection } from './saved-connection.js';
export type { TokenProvider, TokenProviderOptions, IssueOptions } from './auth.js';
export { parseDuration } from './duration.js';
export { createFileServer, fileTooLarge, DEFAULT_MAX_FILE_SIZE, DEFAULT_FILE_GRACE_MS } from './files.js';
export { DEFAULT_UPLOAD_LIMITS } from './upload-slots.js';
export type { UploadLimits } from './upload-slots.js';
export type { FileStorage, FileKey, FileServer, FileServerOptions, FileRequest, FileResponse } from './files.js';
export { migrate } from './schema.js';
export { answerAdmin, isAdminPath, invalid as adminRequestInvalid, ADMIN_PREFIX, EVERY_LIBRARY, MAX_ADMIN_BODY_BYTES } from './admin-api.js';
export type { AdminHost, AdminRequest, AdminResponse } from './admin-api.js';
export { MAX_INSPECTED_REPLICAS } from './inspect.js';
export { SERVER_USER } from './server-replica.js';
export type { ServerLibrary, ServerCollection, ServerFilter } from './server-api-types.js';
export { answerServerApi, remoteServerLibrary } from './server-api-remote.js';
export type { ServerApiCall, ServerApiResult, ServerApiMethod, RemoteServerLibrary, RemoteServerCollection } from './server-api-remote.js';
export type {
  SqlStorage,
  ServerSocket,
  SendQueue,
  Role,
  Claims,
  VerifyToken,
  Log,
  LogLevel,
  SyncLimits,
  SyncServerOptions,
  WriteContext,
  WriteRule,
  WriteRules,
  ConnectOptions,
  Connection,
  CompactionResult,
  EvictOptions,
  LibraryInspection,
  ReplicaInspection,
  SyncServer,
  ReplicateOptions,
  ForkRecord,
} from './types.js';
export { createHttpSessions, DEFAULT_HTTP_SYNC_LIMITS, MAX_HTTP_BODY_BYTES } from './http-sessions.js';
export type { HttpSessions, HttpSyncLimits, HttpSyncOptions, HttpResult, HttpRefusal } from './http-sessions.js';
export type { PollAnswer, SetTimer } from './http-session.js';
export { answerHttpSync, edgeRefusal as httpSyncEdgeRefusal, isHttpSyncPath, HTTP_SYNC_CORS } from './http-sync-api.js';
export type { HttpSyncHost, HttpSyncRequest, HttpSyncResponse } from './http-sync-api.js';
export type { SnapshotRequest, SnapshotResult } from './snapshot-types.js';

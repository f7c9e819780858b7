/**
 * 'trellis/server/cloudflare': the sync server on Cloudflare Durable Objects.
 * One object per library (a partyserver `Server` with WebSocket hibernation)
 * runs the same core as 'trellis/server/node', over its own SQLite with the
 * same schema; a Worker routes `/parties/<party>/<library>` to it after
 * checking the token. Imports server/core, protocol, core and partyserver;
 * never `node:`, store or sync.
 *
 *   // worker.ts (wrangler.toml: main = "worker.ts", a TRELLIS binding of class TrellisLibrary, new_sqlite_classes)
 *   import { createTrellisWorker } from 'trellis/server/cloudflare';
 *   export { TrellisLibrary } from 'trellis/server/cloudflare';
 *   export default createTrellisWorker();
 *   // clients: createSync(store, { url: 'wss://<worker host>/parties/trellis', library, getToken })
 */
export { TrellisLibrary } from './trellis-library.js';
export { createTrellisWorker, routeTrellisRequest } from './worker.js';
export type { TrellisEnv, TrellisWorkerOptions } from './worker.js';
export { createDurableObjectSql } from './durable-object-sql.js';
export { createR2Storage } from './r2-files.js';
export { readSettings } from './settings.js';
export type { Settings, TrellisVars } from './settings.js';
export type { Profile, ProfileSource } from '../core/index.js';
export { remoteServerLibrary } from '../core/index.js';
export { serverLibrary } from './server-library.js';
export type { TrellisNamespace } from './server-library.js';
export type { RemoteServerLibrary, RemoteServerCollection, ServerApiCall, ServerApiResult } from '../core/index.js';

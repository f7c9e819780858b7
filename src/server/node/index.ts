/**
 * 'trellis/server/node': the Node adapter. `http` + `ws` + better-sqlite3
 * around the core from 'trellis/server', plus the `trellis-server` CLI
 * (cli.ts). Imports server/core, protocol and core; never store or sync.
 *
 *   import { createNodeServer } from 'trellis/server/node';
 *   const node = await createNodeServer({ port: 3242, dbPath: './trellis.sqlite', secret });
 *   const token = await node.tokens.issue({ library: 'team-42', user: 'ada', role: 'write', expiresIn: '1h' });
 *   // clients connect to `${node.url}/team-42?token=${token}`
 *
 * In your own server (Express, Hono, node:http), mount createTrellisHandler instead
 * (trellis-handler.ts): `app.use(trellis.request); http.on('upgrade', trellis.upgrade)`.
 */
export { createNodeServer, DEV_SECRET } from './node-server.js';
export type { NodeServer, NodeServerOptions } from './node-server.js';
export { createTrellisHandler } from './trellis-handler.js';
export type { TrellisHandler, TrellisHandlerOptions } from './trellis-handler.js';
export type { PeerOptions } from './peering.js';
export type { Profile, ProfileSource } from '../core/index.js';
export { createSqliteStorage, openDatabase } from './sqlite-storage.js';
export type { Durability } from './sqlite-storage.js';

/**
 * 'trellis/server': the runtime-free sync server (see ./core/index.ts). The
 * Node adapter is 'trellis/server/node'; this entry imports no runtime.
 *
 *   import { createSyncServer, createTokenProvider } from 'trellis/server';
 */
export * from './core/index.js';

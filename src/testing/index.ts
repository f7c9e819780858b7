/**
 * 'trellis/testing': the fakes our own suites use, for yours too. An
 * in-process sync server over real SQLite (better-sqlite3, Node only), a
 * memory transport, a seeded network simulator that delays, drops,
 * duplicates, reorders and partitions frames (after Yjs's TestConnector), a
 * seeded PRNG and unsigned test tokens. Imports core, protocol, sync (types),
 * server/core and server/node; nothing imports it. Never use test tokens on a
 * server that anyone else can reach.
 *
 *   import { createMemoryServer, createNetwork, testToken } from 'trellis/testing';
 *   const memory = createMemoryServer();
 *   const network = createNetwork({ server: memory, seed: 42 });
 *   const sync = createSync(store, { url: 'ws://memory', library: 'team', token: testToken({ library: 'team' }), transport: network.transport('a') });
 *   while (network.deliverOne()) await new Promise((resolve) => setImmediate(resolve));
 */
export { createPrng } from './prng.js';
export type { Prng } from './prng.js';
export { testToken, createTestTokenVerifier, verifyTestToken, TEST_TOKEN_NEVER_EXPIRES } from './test-tokens.js';
export type { TestTokenClaims } from './test-tokens.js';
export { createMemoryServer } from './memory-server.js';
export type { MemoryServer, MemoryServerOptions } from './memory-server.js';
export { createNetwork } from './network.js';
export type { Network, NetworkOptions, NetworkStats, Faults, FrameEvent, Direction } from './network-types.js';
export { createMemoryTransport } from './memory-transport.js';

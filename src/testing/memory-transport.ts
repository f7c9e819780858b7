/** The plain memory transport: frames in order, on the event loop, no faults. */
import type { TransportFactory } from '../sync/index.js';
import type { MemoryServer } from './memory-server.js';
import { createNetwork } from './network.js';

/**
 * A `Transport` to an in-process server, for `createSync({ transport })`. It
 * reconnects after a close that is not fatal (and after a server restart),
 * like the WebSocket transport does.
 *
 *   const memory = createMemoryServer();
 *   createSync(store, { url: 'ws://memory', library: 'team', token: testToken({ library: 'team' }), transport: createMemoryTransport(memory) });
 */
export function createMemoryTransport(server: MemoryServer): TransportFactory {
  return createNetwork({ server, delivery: 'auto' }).transport('memory');
}

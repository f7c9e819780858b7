/** SyncOptions.transport: 'websocket' (the default, falling back to HTTP), 'http', or a factory of one's own. */
import { ErrorCode, TrellisError } from '../core/index.js';
import { createFallbackTransport } from './transport-fallback.js';
import { createHttpTransport } from './transport-http.js';
import { createWebSocketTransport } from './transport-websocket.js';
import type { TransportFactory, TransportKind } from './transport.js';

export type TransportChoice = TransportKind | TransportFactory;

/** The factory for `choice`, and the kind it starts as (undefined for a factory of the app's own). */
export function chooseTransport(choice: TransportChoice | undefined): { factory: TransportFactory; kind: TransportKind | undefined } {
  if (typeof choice === 'function') return { factory: choice, kind: undefined };
  if (choice === 'http') return { factory: createHttpTransport, kind: 'http' };
  if (choice === undefined || choice === 'websocket') {
    return { factory: (options) => createFallbackTransport({ ...options, websocket: createWebSocketTransport, http: createHttpTransport }), kind: 'websocket' };
  }
  throw new TrellisError(ErrorCode.INVALID_ARGUMENT, `createSync: \`transport\` is 'websocket', 'http' or a transport factory, got ${JSON.stringify(choice)}.`);
}

import ReconnectingWebSocket from 'partysocket/ws';
import type { Transport, TransportOptions } from './transport.js';

/** The default transport: partysocket's reconnecting WebSocket, with backoff, stopping on fatal close codes. */
export function createPartysocketTransport(options: TransportOptions): Transport {
  const socket = new ReconnectingWebSocket(options.url, [], {
    ...(options.WebSocket ? { WebSocket: options.WebSocket } : {}),
    minReconnectionDelay: 250,
    maxReconnectionDelay: 10_000,
    connectionTimeout: 5_000,
    maxEnqueuedMessages: 0,
    shouldReconnectOnClose: (event) => !options.isFatal(event.code),
  });
  return {
    send: (frame) => socket.send(frame),
    onMessage: (listener) => socket.addEventListener('message', (event) => listener(String(event.data))),
    onOpen: (listener) => socket.addEventListener('open', () => listener()),
    onClose: (listener) => socket.addEventListener('close', (event) => listener({ code: event.code, reason: event.reason })),
    close: () => socket.close(1000, 'sync stopped'),
  };
}

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
  const stopWatching = watchBrowserNetwork(() => socket.reconnect(1000, 'network changed'));
  return {
    send: (frame) => socket.send(frame),
    onMessage: (listener) => socket.addEventListener('message', (event) => listener(String(event.data))),
    onOpen: (listener) => socket.addEventListener('open', () => listener()),
    onClose: (listener) => socket.addEventListener('close', (event) => listener({ code: event.code, reason: event.reason })),
    reconnect: () => socket.reconnect(1000, 'reconnect'),
    close: () => {
      stopWatching();
      socket.close(1000, 'sync stopped');
    },
  };
}

/**
 * A browser keeps a WebSocket "open" long after the network is gone (frames sent
 * meanwhile are lost, and the status still says live). So when the browser
 * reports `offline` or `online`, drop the socket and connect again with the
 * backoff reset: offline, the attempt fails and sync shows 'offline' at once;
 * online, it connects at the next (short) retry. Outside browsers: nothing.
 */
function watchBrowserNetwork(reconnect: () => void): () => void {
  const target = (globalThis as { window?: { addEventListener?: unknown } }).window as Window | undefined;
  if (typeof target?.addEventListener !== 'function') return () => {};
  target.addEventListener('offline', reconnect);
  target.addEventListener('online', reconnect);
  return () => {
    target.removeEventListener('offline', reconnect);
    target.removeEventListener('online', reconnect);
  };
}

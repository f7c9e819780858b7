/** What the sync engine needs from a connection: text frames in and out, open and close. */
export interface Transport {
  send(frame: string): void;
  onMessage(listener: (frame: string) => void): void;
  onOpen(listener: () => void): void;
  onClose(listener: (event: { code: number; reason: string }) => void): void;
  /** Closes for good: no reconnect. */
  close(): void;
  /**
   * Drops the connection and connects again (with the usual backoff). Used when a connection cannot
   * go on (a forked replica asks for a reset with a new hello). Without it, that waits for the next
   * reconnect.
   */
  reconnect?(): void;
  /** A transport that changes how it connects (the default one falls back to HTTP) says so here; shown as `SyncState.transport`. */
  onTransport?(listener: (kind: TransportKind) => void): void;
}

/** How a connection runs: a WebSocket, or HTTP requests with long polling. */
export type TransportKind = 'websocket' | 'http';

export interface TransportOptions {
  /** Resolves the URL (with a fresh token) before each connection attempt. */
  readonly url: () => Promise<string>;
  /** Close codes after which reconnecting cannot help. */
  readonly isFatal: (code: number) => boolean;
  readonly WebSocket?: unknown;
}

export type TransportFactory = (options: TransportOptions) => Transport;

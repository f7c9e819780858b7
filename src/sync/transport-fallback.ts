/**
 * The default transport: WebSocket, falling back to HTTP when WebSockets keep
 * failing (a proxy that refuses or drops upgrades), and back to WebSocket once
 * one opens again.
 *
 * - `failuresBeforeHttp` WebSocket attempts in a row that closed without ever
 *   opening switch to HTTP. A socket that opened and was then closed by the
 *   server (a refusal, a restart) does not count: upgrades work. When the
 *   first HTTP attempt fails as well, the server is down rather than the
 *   upgrade blocked: WebSocket runs again, counted afresh.
 * - On HTTP, every `probeMs` a bare WebSocket is opened to the same URL and
 *   closed at once; when one opens, the HTTP connection is closed (the engine
 *   sees a close, as after any drop) and WebSocket takes over.
 *
 * The engine sees one Transport whichever runs; `onTransport` says which.
 */
import type { Transport, TransportFactory, TransportKind, TransportOptions } from './transport.js';

export interface FallbackOptions extends TransportOptions {
  readonly websocket: TransportFactory;
  readonly http: TransportFactory;
  /** Default 3. */
  readonly failuresBeforeHttp?: number;
  /** Default one minute. */
  readonly probeMs?: number;
}

type WebSocketLike = { onopen: (() => void) | null; onerror: (() => void) | null; close(code?: number): void };

export function createFallbackTransport(options: FallbackOptions): Transport {
  const limit = options.failuresBeforeHttp ?? 3;
  const listeners = { message: [] as ((frame: string) => void)[], open: [] as (() => void)[], close: [] as ((e: { code: number; reason: string }) => void)[], kind: [] as ((kind: TransportKind) => void)[] };
  let kind: TransportKind = 'websocket';
  let active: Transport;
  let failures = 0;
  let probe: ReturnType<typeof setInterval> | undefined;

  /** Starts `next` as the active transport; events of any other are ignored from now on. */
  const run = (next: TransportKind): void => {
    kind = next;
    const inner = (next === 'http' ? options.http : options.websocket)(options);
    active = inner;
    let opened = false;
    inner.onMessage((frame) => inner === active && listeners.message.forEach((l) => l(frame)));
    inner.onOpen(() => {
      if (inner !== active) return;
      opened = true;
      failures = 0;
      listeners.open.forEach((l) => l());
    });
    inner.onClose((event) => {
      if (inner !== active) return;
      listeners.close.forEach((l) => l(event));
      // Each attempt closes once; one that never opened counts. HTTP failing too means the server is
      // unreachable, not that upgrades are blocked: back to WebSocket, which is counted afresh.
      if (next === 'websocket' && !opened && ++failures >= limit) switchTo('http');
      else if (next === 'http' && !opened && failures >= limit) {
        failures = 0;
        switchTo('websocket');
      }
      opened = false;
    });
    listeners.kind.forEach((l) => l(next));
  };

  const switchTo = (next: TransportKind): void => {
    const previous = active;
    run(next);
    previous.close();
    clearInterval(probe);
    probe = next === 'http' ? setInterval(() => void tryWebSocket().catch(() => {}), options.probeMs ?? 60_000) : undefined;
  };

  async function tryWebSocket(): Promise<void> {
    const Socket = (options.WebSocket ?? (globalThis as { WebSocket?: unknown }).WebSocket) as (new (url: string) => WebSocketLike) | undefined;
    if (Socket === undefined) return;
    const socket = new Socket(await options.url());
    socket.onerror = () => {};
    socket.onopen = () => {
      socket.close(1000);
      if (kind !== 'http') return;
      // The engine sees the HTTP connection close, then the socket open: a reconnect.
      const reported = active;
      switchTo('websocket');
      if (reported !== active) listeners.close.forEach((l) => l({ code: 1000, reason: 'transport changed' }));
    };
  }

  run('websocket');
  return {
    send: (frame) => active.send(frame),
    onMessage: (l) => void listeners.message.push(l),
    onOpen: (l) => void listeners.open.push(l),
    onClose: (l) => void listeners.close.push(l),
    onTransport: (l) => void listeners.kind.push(l),
    reconnect: () => active.reconnect?.(),
    close: () => {
      clearInterval(probe);
      active.close();
    },
  };
}

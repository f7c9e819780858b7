/**
 * Peering from Node: this server dials each peer's sync URL, one `ws` socket per library, and
 * hands it to the core (`server.replicate`), which runs the exchange and the live forwarding. A
 * socket that closes is dialed again (backoff up to 5 s). Libraries: the peer's `libraries` when
 * given; otherwise every library this server holds and every one the peer announces in its
 * peer-hello (checked again every `pollMs` for libraries created here meanwhile).
 */
import WebSocket from 'ws';
import type { RawData } from 'ws';
import { PROTOCOL_VERSION } from '../../protocol/index.js';
import type { Log, SyncServer, TokenProvider } from '../core/index.js';

export interface PeerOptions {
  /** The peer's sync URL, as clients use it: `ws://host:port/parties/trellis`. */
  readonly url: string;
  /** Replicate only these libraries. Default: every library either side holds. */
  readonly libraries?: readonly string[];
  /** A token of role `server` for the peer (library `*`, or each library's). Default: minted with this server's secret, which the peer must share. */
  readonly token?: string;
  /** Called for each socket instead of `token`. */
  readonly getToken?: (library: string) => string | Promise<string>;
}

export interface Peering {
  /** Libraries with a socket (open or being dialed) per peer URL. */
  libraries(url: string): string[];
  stop(): Promise<void>;
}

const MAX_BACKOFF_MS = 5000;

/** The library name a dialing server opens first to learn the peer's libraries (reserved: never used for data). */
export const DIRECTORY_LIBRARY = '_trellis_peers';

export function startPeering(o: { server: SyncServer; tokens: TokenProvider; peers: readonly PeerOptions[]; log: Log; localLibraries: () => string[]; pollMs?: number }): Peering {
  const dialers = o.peers.map((peer) => peerDialer({ ...o, peer }));
  const poll = (): void => {
    for (const dialer of dialers) {
      for (const library of o.localLibraries()) dialer.want(library);
      dialer.askLibraries();
    }
  };
  poll();
  const timer = setInterval(poll, o.pollMs ?? 2000);
  timer.unref();
  return {
    libraries: (url) => dialers.find((d) => d.url === url)?.libraries() ?? [],
    stop: async () => {
      clearInterval(timer);
      await Promise.all(dialers.map((d) => d.stop()));
    },
  };
}

function peerDialer(o: { server: SyncServer; tokens: TokenProvider; peer: PeerOptions; log: Log }) {
  const { peer } = o;
  const sockets = new Map<string, { ws: WebSocket | undefined; stop: () => void }>();
  let stopped = false;
  const allowed = (library: string) => peer.libraries === undefined || peer.libraries.includes(library);
  const token = async (library: string): Promise<string> => {
    if (peer.getToken !== undefined) return peer.getToken(library);
    if (peer.token !== undefined) return peer.token;
    return o.tokens.issue({ library, user: `trellis:server:${o.server.serverId}`, role: 'server', expiresIn: '1h' });
  };
  const want = (library: string): void => {
    if (stopped || sockets.has(library) || !allowed(library)) return;
    const entry: { ws: WebSocket | undefined; stop: () => void } = { ws: undefined, stop: () => {} };
    sockets.set(library, entry);
    let backoff = 250;
    let timer: NodeJS.Timeout | undefined;
    const dial = async (): Promise<void> => {
      if (stopped) return;
      const url = `${peer.url.replace(/\/$/, '')}/${encodeURIComponent(library)}?token=${encodeURIComponent(await token(library))}`;
      if (stopped) return;
      const ws = new WebSocket(url, { maxPayload: 2 * 1024 * 1024 });
      entry.ws = ws;
      attach({ ws, library, server: o.server, log: o.log, onLibraries: (names) => names.forEach(want), opened: () => (backoff = 250) });
      ws.on('close', () => {
        if (stopped) return;
        timer = setTimeout(() => void dial().catch(failed), backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      });
    };
    const failed = (err: unknown): void => o.log('warn', 'replication.dial-failed', { peer: peer.url, library, message: String(err) });
    entry.stop = () => clearTimeout(timer);
    dial().catch(failed);
  };
  for (const library of peer.libraries ?? []) want(library);
  // With no list, a link on DIRECTORY_LIBRARY (which holds nothing) hears the peer's libraries in its peer-hello, so an empty server learns them.
  if (peer.libraries === undefined) want(DIRECTORY_LIBRARY);
  // A peer-hello on the open directory link: the peer answers with the libraries it holds now.
  const askLibraries = (): void => {
    const ws = sockets.get(DIRECTORY_LIBRARY)?.ws;
    if (ws?.readyState !== WebSocket.OPEN) return;
    ws.send(JSON.stringify({ type: 'peer-hello', protocol: PROTOCOL_VERSION, serverId: o.server.serverId, epoch: null, libraries: [] }));
  };
  return {
    url: peer.url,
    want,
    askLibraries,
    libraries: () => [...sockets.keys()],
    stop: async () => {
      stopped = true;
      const closing = [...sockets.values()].map((entry) => {
        entry.stop();
        const ws = entry.ws;
        if (ws === undefined || ws.readyState === ws.CLOSED) return Promise.resolve();
        return new Promise<void>((resolve) => {
          ws.once('close', () => resolve());
          ws.terminate();
        });
      });
      await Promise.all(closing);
    },
  };
}

/** One client socket to the peer, as the core's ServerSocket once open. */
function attach(o: { ws: WebSocket; library: string; server: SyncServer; log: Log; onLibraries: (names: readonly string[]) => void; opened: () => void }): void {
  const { ws } = o;
  let conn: ReturnType<SyncServer['replicate']> | undefined;
  let sentBytes = 0;
  ws.on('open', () => {
    o.opened();
    conn = o.server.replicate(
      {
        send: (frame) => {
          if (ws.readyState !== ws.OPEN) return;
          const bytes = Buffer.from(frame, 'utf8');
          sentBytes += bytes.length;
          ws.send(bytes, { binary: false });
        },
        close: (code, reason) => ws.close(code, reason.slice(0, 120)),
        sendQueue: () => ({ sentBytes, bufferedBytes: ws.bufferedAmount }),
      },
      { library: o.library, onLibraries: o.onLibraries },
    );
  });
  ws.on('message', (data: RawData, isBinary: boolean) => {
    const buffer = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    conn?.receive(isBinary ? new Uint8Array(buffer) : buffer.toString('utf8'));
  });
  ws.on('close', (code, reason) => {
    conn?.closed();
    o.log('info', 'replication.closed', { library: o.library, code, reason: reason.toString() });
  });
  ws.on('error', (err) => o.log('warn', 'replication.socket-error', { library: o.library, message: err.message }));
}

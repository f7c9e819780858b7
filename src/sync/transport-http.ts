/**
 * The HTTP transport: the same frames as the WebSocket, over plain requests
 * (PROTOCOL.md, "Sync over HTTP"). A session is opened with POST, each client
 * frame is POSTed to it in order, and a long poll (GET) brings the server's
 * frames. The token goes in the Authorization header.
 *
 * A session is one connection: any failed request (network, a proxy cutting
 * a poll, an expired session) ends it, reported as a close, and a new session
 * starts with the usual backoff; the engine says hello again and catches up
 * from its cursor, as after a dropped socket. A frame is never resent on
 * another session. The server's refusals arrive as its `error` frame and
 * close code, exactly as on a socket.
 */
import type { Transport, TransportOptions } from './transport.js';

type Close = { code: number; reason: string };
type Listeners = { message: ((frame: string) => void)[]; open: (() => void)[]; close: ((event: Close) => void)[] };

/** The close reported when a request fails without an answer (as a socket's abnormal closure). */
const NETWORK_CLOSE: Close = { code: 1006, reason: 'network' };
const MIN_DELAY_MS = 250;
const MAX_DELAY_MS = 10_000;
/** How long opening a session may take; a poll may take the server's pollMs plus this. */
const REQUEST_TIMEOUT_MS = 10_000;

/** `ws://host/base/lib?token=t` → the session URL `http://host/base/lib/sessions` and the token. */
export function httpEndpoint(url: string): { sessions: string; token: string } {
  const parsed = new URL(url);
  const token = parsed.searchParams.get('token') ?? '';
  parsed.searchParams.delete('token');
  parsed.protocol = parsed.protocol === 'wss:' ? 'https:' : parsed.protocol === 'ws:' ? 'http:' : parsed.protocol;
  return { sessions: `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}/sessions`, token };
}

export function createHttpTransport(options: TransportOptions & { fetch?: typeof fetch }): Transport {
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const on: Listeners = { message: [], open: [], close: [] };
  /** The current session; each attempt gets a new object, so stale requests know they are stale. */
  let current: { url: string; token: string; abort: AbortController; sending: Promise<void>; open: boolean } | undefined;
  let stopped = false;
  let failures = 0;
  let retry: ReturnType<typeof setTimeout> | undefined;

  const request = async (url: string, init: RequestInit & { token: string; timeoutMs: number }, abort: AbortController) => {
    const timer = setTimeout(() => abort.abort(), init.timeoutMs);
    try {
      const response = await doFetch(url, { ...init, signal: abort.signal, headers: { authorization: `Bearer ${init.token}`, ...(init.body ? { 'content-type': 'application/json' } : {}) } });
      const text = await response.text();
      return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>) };
    } finally {
      clearTimeout(timer);
    }
  };

  /** Ends `session` (if still current) with `close`, after the refusal's `error` frame when the answer carried one. */
  const end = (session: typeof current, o: { close: Close; refusal?: Record<string, unknown> | undefined }): void => {
    if (session === undefined || session !== current) return;
    current = undefined;
    session.abort.abort();
    const { refusal } = o;
    // An expired session is a dropped connection, not a refusal: nothing to show.
    if (typeof refusal?.code === 'string' && refusal.code !== 'HTTP_SESSION_NOT_FOUND') {
      const { code, message, details } = refusal;
      emit('message', JSON.stringify({ type: 'error', code, message, ...(details && Object.keys(details).length > 0 ? { details } : {}) }));
    }
    emit('close', o.close);
    if (!stopped && !options.isFatal(o.close.code)) schedule();
  };
  const refusalClose = (body: Record<string, unknown> | undefined): Close =>
    typeof body?.close === 'number' ? { code: body.close, reason: String(body.code) } : NETWORK_CLOSE;

  function emit(kind: 'message', frame: string): void;
  function emit(kind: 'open'): void;
  function emit(kind: 'close', event: Close): void;
  function emit(kind: keyof Listeners, arg?: unknown): void {
    for (const listener of on[kind]) (listener as (a?: unknown) => void)(arg);
  }

  function schedule(): void {
    if (retry !== undefined) return;
    const delay = Math.min(MAX_DELAY_MS, MIN_DELAY_MS * 1.5 ** failures++);
    retry = setTimeout(() => ((retry = undefined), void connect()), delay);
  }

  async function connect(): Promise<void> {
    if (stopped || current !== undefined) return;
    const session = { url: '', token: '', abort: new AbortController(), sending: Promise.resolve(), open: false };
    current = session;
    let endpoint: { sessions: string; token: string };
    try {
      endpoint = httpEndpoint(await options.url());
    } catch {
      // As the socket transport: an attempt that never got a URL (getToken failed, start-sync shows why) reports no close.
      if (session === current) current = undefined;
      if (!stopped) schedule();
      return;
    }
    try {
      const { sessions, token } = endpoint;
      const answer = await request(sessions, { method: 'POST', token, timeoutMs: REQUEST_TIMEOUT_MS }, session.abort);
      if (answer.status !== 200 || typeof answer.body?.session !== 'string') return end(session, { close: refusalClose(answer.body), refusal: answer.body });
      if (session !== current) return;
      Object.assign(session, { url: `${sessions}/${encodeURIComponent(answer.body.session)}`, token, open: true });
      failures = 0;
      emit('open');
      void poll(session, Number(answer.body.pollMs) || 25_000);
    } catch {
      end(session, { close: NETWORK_CLOSE });
    }
  }

  async function poll(session: NonNullable<typeof current>, pollMs: number): Promise<void> {
    try {
      while (session === current) {
        const answer = await request(session.url, { method: 'GET', token: session.token, timeoutMs: pollMs + REQUEST_TIMEOUT_MS }, session.abort);
        if (answer.status !== 200) return end(session, { close: refusalClose(answer.body), refusal: answer.body });
        for (const frame of (answer.body?.frames as string[] | undefined) ?? []) if (session === current) emit('message', frame);
        const close = answer.body?.close as Close | undefined;
        if (close !== undefined) return end(session, { close });
      }
    } catch {
      end(session, { close: NETWORK_CLOSE });
    }
  }

  /** Frames go one request at a time, in order; one that fails ends the session (never resent elsewhere). */
  function post(session: NonNullable<typeof current>, frame: string): void {
    session.sending = session.sending.then(async () => {
      if (session !== current) return;
      try {
        const answer = await request(session.url, { method: 'POST', token: session.token, body: frame, timeoutMs: REQUEST_TIMEOUT_MS }, session.abort);
        if (answer.status !== 202) end(session, { close: refusalClose(answer.body), refusal: answer.body });
      } catch {
        end(session, { close: NETWORK_CLOSE });
      }
    });
  }

  /** Ends the current session on the server too (best effort: it expires by itself otherwise). */
  const leave = (close: Close): void => {
    const session = current;
    if (session === undefined) return;
    if (session.open) void doFetch(session.url, { method: 'DELETE', headers: { authorization: `Bearer ${session.token}` } }).catch(() => {});
    end(session, { close });
  };

  void connect();
  return {
    send: (frame) => {
      // As the socket transport, nothing is queued while not open: the engine resends after its next hello.
      if (current?.open) post(current, frame);
    },
    onMessage: (listener) => void on.message.push(listener),
    onOpen: (listener) => void on.open.push(listener),
    onClose: (listener) => void on.close.push(listener),
    reconnect: () => leave({ code: 1000, reason: 'reconnect' }),
    close: () => {
      stopped = true;
      clearTimeout(retry);
      leave({ code: 1000, reason: 'sync stopped' });
    },
  };
}

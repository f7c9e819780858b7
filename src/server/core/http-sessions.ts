/**
 * Sync over plain HTTP, runtime-free: each session is a core connection over
 * a virtual socket (http-session.ts), so every rule, decision and limit of a
 * WebSocket applies unchanged: sessions count against maxConnectionsPerUser
 * (and per token, per library) as sockets do, frames go through the same
 * decoder, rate bucket and handlers. What HTTP adds is bounded here:
 *
 * - a session whose client has no poll waiting for `idleMs` is closed and
 *   forgotten (an absent poller holds nothing for long);
 * - a client that polls too slowly hits the core's send-queue bound and its
 *   session is closed, as a socket that does not read;
 * - a posted body over MAX_FRAME_BYTES is refused before it is read further.
 *
 * Every request names the session's library and carries a token of the
 * session's user: a session id alone grants nothing.
 */
import { ErrorCode, TrellisError, createId as defaultCreateId } from '../../core/index.js';
import type { IdGenerator } from '../../core/index.js';
import { CloseCode, MAX_FRAME_BYTES } from '../../protocol/index.js';
import { adminCannotSync, authorize } from './authorize.js';
import type { Authorization } from './authorize.js';
import { createHttpSession } from './http-session.js';
import type { HttpSession, PollAnswer, SetTimer } from './http-session.js';
import { DEFAULT_LIMITS } from './sync-server.js';
import type { Log, SyncServer, VerifyToken } from './types.js';

export interface HttpSyncLimits {
  /** Longest a poll waits for a frame before answering with none (ms). Below common proxy timeouts. */
  readonly pollMs: number;
  /** A session without a waiting poll for this long is closed (ms). */
  readonly idleMs: number;
  /** Most UTF-8 bytes of frames one poll answer carries (one frame always goes, whatever its size). */
  readonly pollBytes: number;
  /**
   * Sessions one user may hold in one library, counting those the server closed whose client has not
   * fetched the close yet (they linger until polled or idle): as the core's maxConnectionsPerUser, which
   * counts the open ones. One more is refused with SERVER_LIMIT_EXCEEDED.
   */
  readonly maxSessionsPerUser: number;
}

export const DEFAULT_HTTP_SYNC_LIMITS: HttpSyncLimits = { pollMs: 25_000, idleMs: 60_000, pollBytes: MAX_FRAME_BYTES, maxSessionsPerUser: DEFAULT_LIMITS.maxConnectionsPerUser };

/** The largest body a session accepts: one frame within the protocol's frame budget. */
export const MAX_HTTP_BODY_BYTES = MAX_FRAME_BYTES;

export interface HttpSyncOptions {
  readonly server: Pick<SyncServer, 'connect'>;
  readonly verifyToken: VerifyToken;
  readonly setTimer: SetTimer;
  readonly log?: Log;
  readonly createId?: IdGenerator;
  readonly limits?: Partial<HttpSyncLimits>;
  /** Called after a session's connection was closed here (expired, ended, dropped): the adapter schedules presence expiry, as after a socket's close. */
  readonly closed?: () => void;
}

/** A refused request: the typed error, and the close a WebSocket would have got (auth and admission refusals). */
export type HttpRefusal = { readonly ok: false; readonly error: TrellisError; readonly close?: number };
export type HttpResult<T> = { readonly ok: true; readonly value: T } | HttpRefusal;

export interface HttpSessions {
  readonly limits: HttpSyncLimits;
  open(o: { library: string; token: string | undefined }): Promise<HttpResult<{ session: string }>>;
  send(o: { library: string; token: string | undefined; session: string; frame: string }): Promise<HttpResult<null>>;
  poll(o: { library: string; token: string | undefined; session: string }): Promise<HttpResult<PollAnswer>>;
  end(o: { library: string; token: string | undefined; session: string }): Promise<HttpResult<null>>;
  /**
   * The adapter saw a poll's client go away before the answer was written: the session ends (frames
   * drained into that answer would be lost; the client opens a new session and catches up from its cursor).
   */
  drop(session: string): void;
  /** Sessions held now (tests, stats). */
  count(): number;
  /** Forgets every session (their connections are closed by the server's own close). */
  closeAll(): void;
}

export function createHttpSessions(options: HttpSyncOptions): HttpSessions {
  const limits = { ...DEFAULT_HTTP_SYNC_LIMITS, ...options.limits };
  const log = options.log ?? (() => {});
  const newId = options.createId ?? defaultCreateId;
  const sessions = new Map<string, { session: HttpSession; cancelIdle: () => void }>();

  const forget = (id: string): void => {
    const entry = sessions.get(id);
    if (entry === undefined) return;
    sessions.delete(id);
    entry.cancelIdle();
    entry.session.release();
    entry.session.connection?.closed();
    options.closed?.();
  };
  const idle = (id: string): (() => void) =>
    options.setTimer(() => {
      log('info', 'http.session-expired', { session: id, library: sessions.get(id)?.session.library });
      forget(id);
    }, limits.idleMs);

  /** The session, if `token` is of its library and user; else the refusal. Nothing changes either way. */
  const owned = async (o: { library: string; token: string | undefined; session: string }): Promise<HttpResult<HttpSession>> => {
    const verdict = await syncAuthorize(options.verifyToken, { library: o.library, token: o.token });
    if (!verdict.ok) return { ok: false, error: verdict.error, close: verdict.close };
    const session = sessions.get(o.session)?.session;
    if (session === undefined || session.library !== o.library || session.claims.user !== verdict.claims.user) return notFound();
    return { ok: true, value: session };
  };

  return {
    limits,
    count: () => sessions.size,
    drop: (id) => {
      if (sessions.has(id)) log('info', 'http.session-dropped', { session: id });
      forget(id);
    },
    closeAll: () => {
      for (const id of [...sessions.keys()]) forget(id);
    },
    async open(o) {
      const verdict = await authorize(options.verifyToken, { library: o.library, token: o.token });
      if (!verdict.ok) return { ok: false, error: verdict.error, close: verdict.close };
      const held = [...sessions.values()].filter(({ session }) => session.library === o.library && session.claims.user === verdict.claims.user).length;
      if (held >= limits.maxSessionsPerUser) return tooMany(limits.maxSessionsPerUser);
      const id = newId();
      const session = createHttpSession({ id, library: o.library, claims: verdict.claims, setTimer: options.setTimer });
      session.connection = options.server.connect(session.socket, { library: o.library, token: o.token, claims: verdict.claims });
      // Admission is synchronous with claims given: a refused session (an admin token, a connection limit) never exists.
      if (session.closing) return refusedOpen(await session.poll({ pollMs: 0, maxBytes: limits.pollBytes }));
      sessions.set(id, { session, cancelIdle: idle(id) });
      log('info', 'http.session-opened', { session: id, library: o.library, user: verdict.claims.user });
      return { ok: true, value: { session: id } };
    },
    async send(o) {
      const found = await owned(o);
      if (!found.ok) return found;
      found.value.connection?.receive(o.frame);
      return { ok: true, value: null };
    },
    async poll(o) {
      const found = await owned(o);
      if (!found.ok) return found;
      const entry = sessions.get(o.session) as { session: HttpSession; cancelIdle: () => void };
      entry.cancelIdle();
      log('debug', 'http.poll', { session: o.session });
      const answer = await found.value.poll({ pollMs: limits.pollMs, maxBytes: limits.pollBytes });
      // A newer poll or the session's end may have replaced this entry meanwhile.
      if (sessions.get(o.session) === entry) {
        if (found.value.finished) forget(o.session);
        else if (!found.value.polling) entry.cancelIdle = idle(o.session);
      }
      return { ok: true, value: answer };
    },
    async end(o) {
      const found = await owned(o);
      if (!found.ok) return found;
      forget(o.session);
      return { ok: true, value: null };
    },
  };
}

function tooMany(max: number): HttpRefusal {
  const message = `This user holds as many HTTP sessions of this library as the server allows (sessionsPerUser: ${max}), counting closed ones not yet polled; end one (DELETE) or retry later.`;
  return { ok: false, error: new TrellisError(ErrorCode.SERVER_LIMIT_EXCEEDED, message, { details: { limit: 'sessionsPerUser', max } }), close: CloseCode.TRY_AGAIN_LATER };
}

function notFound(): HttpRefusal {
  return {
    ok: false,
    error: new TrellisError(ErrorCode.HTTP_SESSION_NOT_FOUND, 'No such HTTP sync session (expired, ended or never opened); open a new one and say hello again.'),
  };
}

/** The core refused the connection at once: its error frame and close become the answer. */
function refusedOpen(answer: PollAnswer): HttpRefusal {
  const frame = answer.frames[0];
  const said = frame === undefined ? undefined : (JSON.parse(frame) as { code?: string; message?: string; details?: Record<string, unknown> });
  const code = (said?.code ?? ErrorCode.SERVER_INTERNAL) as ErrorCode;
  const error = new TrellisError(code, said?.message ?? 'The server refused the session.', said?.details === undefined ? {} : { details: said.details });
  return { ok: false, error, ...(answer.close === undefined ? {} : { close: answer.close.code }) };
}

/** authorize(), and an admin token refused as a socket refuses it (it administers, never syncs). */
export async function syncAuthorize(verifyToken: VerifyToken, o: { library: string; token: string | undefined }): Promise<Authorization> {
  const verdict = await authorize(verifyToken, o);
  if (verdict.ok && verdict.claims.role === 'admin') return { ok: false, error: adminCannotSync(), close: CloseCode.AUTH_INVALID };
  return verdict;
}

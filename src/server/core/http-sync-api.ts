/**
 * The HTTP sync routes, runtime-free (as admin-api.ts): each adapter hands
 * over the method, the path under its base path, the headers that matter and
 * a way to read the body, and sends back the answer. The token goes in
 * `Authorization: Bearer <token>`, never in the URL.
 *
 *   POST   <base>/<library>/sessions                    open: {"session": id, "pollMs": n}
 *   POST   <base>/<library>/sessions/<id>               one client frame (the text a socket carries) → 202
 *   GET    <base>/<library>/sessions/<id>               long poll: {"frames": [...], "close"?: {code, reason}}
 *   DELETE <base>/<library>/sessions/<id>               end → 204
 *   GET    <base>/<library>/snapshots/<epoch>/<seq>?protocol=<n>
 *          the snapshot frames, one per line; ETag, Cache-Control immutable; If-None-Match → 304
 *
 * A refusal is `{code, message, details, close?}` with an HTTP status; `close`
 * is the close code a WebSocket would have got. The route, the name and the
 * token are checked before the body is read; a refused request changes nothing.
 */
import { ErrorCode, TrellisError, isTrellisError } from '../../core/index.js';
import { PROTOCOL_VERSION, nameProblem } from '../../protocol/index.js';
import { MAX_HTTP_BODY_BYTES, syncAuthorize } from './http-sessions.js';
import type { HttpResult, HttpSessions } from './http-sessions.js';
import type { SyncServer, VerifyToken } from './types.js';

export interface HttpSyncRequest {
  readonly method: string;
  /** The URL path under the base path, still percent-encoded: `/team%2042/sessions/abc`. */
  readonly path: string;
  /** The URL's query string (`?protocol=5`), or ''. */
  readonly search: string;
  readonly authorization: string | null | undefined;
  readonly ifNoneMatch?: string | null | undefined;
  /** The body as text; undefined when it is over `limit` UTF-8 bytes (the rest is left unread or dropped). */
  readBody(limit: number): Promise<string | undefined>;
}

export interface HttpSyncResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** Empty for 204 and 304. */
  readonly body: string;
}

export interface HttpSyncHost {
  readonly sessions: HttpSessions;
  readonly server: Pick<SyncServer, 'snapshot'>;
  readonly verifyToken: VerifyToken;
}

/** Browsers call these routes across origins with an Authorization header; no cookie is ever read, so any origin may. */
export const HTTP_SYNC_CORS: Readonly<Record<string, string>> = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
  'access-control-allow-headers': 'authorization, content-type, if-none-match',
  'access-control-expose-headers': 'etag',
  'access-control-max-age': '86400',
};

const ROUTE = /^\/([^/]+)\/(sessions|snapshots)(?:\/(.*))?$/;

/** True when the path (under the base path) is an HTTP sync route's. */
export const isHttpSyncPath = (path: string): boolean => ROUTE.test(path);

export async function answerHttpSync(host: HttpSyncHost, request: HttpSyncRequest): Promise<HttpSyncResponse> {
  try {
    return await route(host, request);
  } catch (err) {
    if (!isTrellisError(err)) throw err;
    return refusal({ ok: false, error: err });
  }
}

async function route(host: HttpSyncHost, request: HttpSyncRequest): Promise<HttpSyncResponse> {
  const match = ROUTE.exec(request.path) as RegExpExecArray;
  const method = request.method.toUpperCase();
  if (method === 'OPTIONS') return { status: 204, headers: HTTP_SYNC_CORS, body: '' };
  const library = decode(match[1] as string);
  const problem = nameProblem(library);
  if (problem !== undefined) throw invalid(400, `The library name ${problem}.`);
  const token = bearer(request.authorization);
  const rest = match[3] === undefined || match[3] === '' ? [] : match[3].split('/');
  if (match[2] === 'snapshots') return snapshot(host, { request, library, token, rest, method });
  const { sessions } = host;
  if (rest.length === 0) {
    if (method !== 'POST') throw invalid(405, 'Open a session with POST <base>/<library>/sessions.');
    return json(200, await sessions.open({ library, token }), (value) => ({ ...value, pollMs: sessions.limits.pollMs }));
  }
  if (rest.length !== 1) throw invalid(404, 'No such route: <base>/<library>/sessions/<session>.');
  const session = decode(rest[0] as string);
  switch (method) {
    case 'GET':
      return json(200, await sessions.poll({ library, token, session }), (value) => value);
    case 'DELETE':
      return json(204, await sessions.end({ library, token, session }), () => undefined);
    case 'POST': {
      const frame = await request.readBody(MAX_HTTP_BODY_BYTES);
      if (frame === undefined) throw tooLarge();
      if (frame === '') throw invalid(400, 'The body is empty; send one client message (the JSON a socket frame carries).');
      return json(202, await sessions.send({ library, token, session, frame }), () => ({}));
    }
    default:
      throw invalid(405, 'A session takes GET (poll), POST (one frame) and DELETE (end).');
  }
}

async function snapshot(
  host: HttpSyncHost,
  o: { request: HttpSyncRequest; library: string; token: string | undefined; rest: string[]; method: string },
): Promise<HttpSyncResponse> {
  if (o.method !== 'GET' && o.method !== 'HEAD') throw invalid(405, 'A snapshot takes GET.');
  const [epoch, seq] = o.rest.map(decode);
  if (o.rest.length !== 2 || !epoch || seq === undefined || !/^(0|[1-9]\d{0,15})$/.test(seq)) {
    throw invalid(404, 'A snapshot URL is <base>/<library>/snapshots/<epoch>/<serverSeq>.');
  }
  const protocol = protocolOf(o.request.search);
  const verdict = await syncAuthorize(host.verifyToken, { library: o.library, token: o.token });
  if (!verdict.ok) return refusal({ ok: false, error: verdict.error, close: verdict.close });
  const ifNoneMatch = o.request.ifNoneMatch ?? undefined;
  const result = host.server.snapshot({ library: o.library, epoch, serverSeq: Number(seq), protocol, claims: verdict.claims, ...(ifNoneMatch ? { ifNoneMatch } : {}) });
  // Private: what a token may read is checked here, on every request; a shared cache would skip that (PROTOCOL.md says how a CDN fronts it).
  const cached = (etag: string) => ({ ...HTTP_SYNC_CORS, etag, 'cache-control': 'private, max-age=31536000, immutable' });
  switch (result.kind) {
    case 'snapshot':
      return { status: 200, headers: { ...cached(result.etag), 'content-type': 'application/x-ndjson' }, body: o.method === 'HEAD' ? '' : result.frames.join('\n') };
    case 'not-modified':
      return { status: 304, headers: cached(result.etag), body: '' };
    case 'stale':
      throw new TrellisError(ErrorCode.SNAPSHOT_NOT_CURRENT, 'This snapshot is not the library\'s current one; request the one `details` names.', {
        details: result.current === undefined ? {} : { ...result.current },
      });
    case 'refused':
      return { status: 400, headers: { ...HTTP_SYNC_CORS, 'content-type': 'application/json', 'cache-control': 'no-store' }, body: `{"frames":${JSON.stringify(result.frames)},"close":${JSON.stringify(result.close)}}` };
  }
}

/**
 * The answer to an HTTP sync request whose token `verdict` refused, for an adapter that checks tokens at
 * the edge (the Cloudflare Worker, so that a bad token never wakes a library's object): exactly what the
 * routes would answer. Undefined when the request must go on (a good token, a preflight, no route).
 */
export async function edgeRefusal(verifyToken: VerifyToken, request: Pick<HttpSyncRequest, 'method' | 'path' | 'authorization'>): Promise<HttpSyncResponse | undefined> {
  const match = ROUTE.exec(request.path);
  if (match === null || request.method.toUpperCase() === 'OPTIONS') return undefined;
  try {
    const verdict = await syncAuthorize(verifyToken, { library: decode(match[1] as string), token: bearer(request.authorization) });
    return verdict.ok ? undefined : refusal({ ok: false, error: verdict.error, close: verdict.close });
  } catch (err) {
    // A malformed path is the object's to answer; only token refusals are answered here.
    if (isTrellisError(err)) return undefined;
    throw err;
  }
}

function json<T>(status: number, result: HttpResult<T>, body: (value: T) => unknown): HttpSyncResponse {
  if (!result.ok) return refusal(result);
  const value = body(result.value);
  const headers = { ...HTTP_SYNC_CORS, 'cache-control': 'no-store', ...(value === undefined ? {} : { 'content-type': 'application/json' }) };
  return { status, headers, body: value === undefined ? '' : JSON.stringify(value) };
}

function refusal(result: Extract<HttpResult<unknown>, { ok: false }>): HttpSyncResponse {
  const body = { ...result.error.toJSON(), ...(result.close === undefined ? {} : { close: result.close }) };
  return { status: statusOf(result.error), headers: { ...HTTP_SYNC_CORS, 'content-type': 'application/json', 'cache-control': 'no-store' }, body: JSON.stringify(body) };
}

function statusOf(err: TrellisError): number {
  switch (err.code) {
    case ErrorCode.HTTP_REQUEST_INVALID:
      return typeof err.details.status === 'number' ? err.details.status : 400;
    case ErrorCode.HTTP_SESSION_NOT_FOUND:
      return 404;
    case ErrorCode.SNAPSHOT_NOT_CURRENT:
      return 409;
    case ErrorCode.PROTOCOL_MESSAGE_TOO_LARGE:
      return 413;
    case ErrorCode.SERVER_LIMIT_EXCEEDED:
    case ErrorCode.SYNC_LIBRARY_BUSY:
      return 429;
    case ErrorCode.AUTH_FORBIDDEN:
    case ErrorCode.AUTH_WRONG_LIBRARY:
      return 403;
    default:
      return err.code.startsWith('AUTH_') ? 401 : 500;
  }
}

function bearer(authorization: string | null | undefined): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
}

/** `?protocol=<n>` (default this version's): which form of the frames to build, as a socket's hello says. */
function protocolOf(search: string): number {
  // No URLSearchParams in server/core (no runtime globals): the one parameter, read by hand.
  const value = /(?:^|[?&])protocol=([^&]*)/.exec(search)?.[1];
  if (value === undefined) return PROTOCOL_VERSION;
  if (!/^[1-9]\d{0,5}$/.test(value)) throw invalid(400, '`protocol` is a positive integer: the protocol version the reader speaks.');
  return Number(value);
}

function tooLarge(): TrellisError {
  return new TrellisError(ErrorCode.PROTOCOL_MESSAGE_TOO_LARGE, `A posted frame is at most ${MAX_HTTP_BODY_BYTES} bytes; send smaller pushes.`, {
    details: { limit: MAX_HTTP_BODY_BYTES },
  });
}

function invalid(status: number, message: string): TrellisError {
  return new TrellisError(ErrorCode.HTTP_REQUEST_INVALID, message, { details: { status } });
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw invalid(400, 'A path segment is not valid percent-encoding.');
  }
}

/**
 * The admin routes, runtime-free: each adapter hands over the method, the
 * path under its base path, the Authorization header and a way to read the
 * body, and sends back the JSON answer. Every route needs a token of role
 * `admin` for the library it names (or for `*`, every library).
 *
 *   GET  <base>/_admin/libraries/<library>           inspect
 *   POST <base>/_admin/libraries/<library>/evict     body {"revokeTokens": true} (optional)
 *   POST <base>/_admin/libraries/<library>/compact
 *   POST <base>/_admin/compact                       every library (a `*` token)
 *
 * The route and the token are checked before the name, the name before the
 * body, the body before anything changes: a refused request changes nothing.
 */
import { ErrorCode, TrellisError, isTrellisError } from '../../core/index.js';
import { nameProblem } from '../../protocol/index.js';
import type { Claims, CompactionResult, EvictOptions, LibraryInspection, VerifyToken } from './types.js';

/** Every admin path starts with this, under the adapter's base path. */
export const ADMIN_PREFIX = '/_admin/';

/** Largest admin request body: the only body is `{"revokeTokens": true}`. */
export const MAX_ADMIN_BODY_BYTES = 1024;

/** An admin token with this library administers every library. */
export const EVERY_LIBRARY = '*';

export interface AdminRequest {
  readonly method: string;
  /** The URL path under the base path, still percent-encoded: `/_admin/libraries/team%2042`. */
  readonly path: string;
  readonly authorization: string | null | undefined;
  /** The body as text; rejects with ADMIN_REQUEST_INVALID past `limit` UTF-8 bytes. */
  readBody(limit: number): Promise<string>;
}

export interface AdminResponse {
  readonly status: number;
  readonly body: unknown;
}

/** What the routes act on: the adapter's own evict and compact (Node also collects files on evict). */
export interface AdminHost {
  readonly verifyToken: VerifyToken;
  inspect(library: string): LibraryInspection | undefined;
  evict(library: string, options: EvictOptions): void | Promise<void>;
  compact(library?: string): CompactionResult[] | Promise<CompactionResult[]>;
  /** False where the server holds one library (a Durable Object): `POST /_admin/compact` is then refused. Default true. */
  readonly everyLibrary?: boolean;
}

type Route = { readonly action: 'inspect' | 'evict' | 'compact'; readonly library: string } | { readonly action: 'compact-all' };

/** True when the path (under the base path) is an admin route's, so the adapter answers it with `answerAdmin`. */
export const isAdminPath = (path: string): boolean => path.startsWith(ADMIN_PREFIX) || path === ADMIN_PREFIX.slice(0, -1);

/** The JSON answer to one admin request; never throws a TrellisError (it becomes the answer's `{ code, message }`). */
export async function answerAdmin(host: AdminHost, request: AdminRequest): Promise<AdminResponse> {
  try {
    const route = parseRoute(request);
    const claims = await adminClaims(host.verifyToken, request.authorization);
    if (route.action === 'compact-all') {
      if (claims.library !== EVERY_LIBRARY) throw new TrellisError(ErrorCode.AUTH_WRONG_LIBRARY, `Compacting every library takes an admin token for "${EVERY_LIBRARY}".`);
      if (host.everyLibrary === false) throw invalid(400, 'This server holds one library per object: compact each library with POST /_admin/libraries/<library>/compact.');
      return { status: 200, body: { results: await host.compact() } };
    }
    const problem = nameProblem(route.library);
    if (problem !== undefined) throw invalid(400, `The library name ${problem}; a library name is a valid name (PROTOCOL.md).`);
    if (claims.library !== EVERY_LIBRARY && claims.library !== route.library) throw new TrellisError(ErrorCode.AUTH_WRONG_LIBRARY, 'The admin token is for another library; request one for this library or for "*".');
    return await act(host, { route, request });
  } catch (err) {
    if (!isTrellisError(err)) throw err;
    return { status: statusOf(err), body: err.toJSON() };
  }
}

async function act(host: AdminHost, o: { route: Extract<Route, { library: string }>; request: AdminRequest }): Promise<AdminResponse> {
  const { library } = o.route;
  switch (o.route.action) {
    case 'inspect':
      return { status: 200, body: found(host.inspect(library), library) };
    case 'evict': {
      const options = await evictOptions(o.request);
      const existed = host.inspect(library) !== undefined;
      await host.evict(library, options);
      return { status: 200, body: { library, evicted: existed, revokedTokens: options.revokeTokens === true } };
    }
    case 'compact':
      found(host.inspect(library), library);
      return { status: 200, body: { results: await host.compact(library) } };
  }
}

function found(inspection: LibraryInspection | undefined, library: string): LibraryInspection {
  if (inspection !== undefined) return inspection;
  throw new TrellisError(ErrorCode.ADMIN_LIBRARY_NOT_FOUND, 'The server holds nothing for this library (never synced, or evicted); check the name.', { details: { library } });
}

function parseRoute(request: AdminRequest): Route {
  const segments = request.path.slice(ADMIN_PREFIX.length).split('/');
  const method = request.method.toUpperCase();
  const expect = (wanted: 'GET' | 'POST', route: Route): Route => {
    if (method !== wanted) throw invalid(405, `This admin route takes ${wanted}.`);
    return route;
  };
  if (segments.length === 1 && segments[0] === 'compact') return expect('POST', { action: 'compact-all' });
  if (segments[0] === 'libraries' && (segments.length === 2 || segments.length === 3)) {
    const library = decode(segments[1] as string);
    const tail = segments[2];
    if (tail === undefined) return expect('GET', { action: 'inspect', library });
    if (tail === 'evict' || tail === 'compact') return expect('POST', { action: tail, library });
  }
  throw invalid(404, 'No such admin route: GET /_admin/libraries/<library>, POST /_admin/libraries/<library>/evict or /compact, POST /_admin/compact.');
}

async function adminClaims(verifyToken: VerifyToken, authorization: string | null | undefined): Promise<Claims> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (match === null) throw new TrellisError(ErrorCode.AUTH_TOKEN_MISSING, 'Send an admin token: Authorization: Bearer <token>.');
  const claims = await verifyToken(match[1] as string);
  if (claims.role !== 'admin') throw new TrellisError(ErrorCode.AUTH_FORBIDDEN, `A ${claims.role} token cannot administer; issue a token with role "admin".`);
  return claims;
}

async function evictOptions(request: AdminRequest): Promise<EvictOptions> {
  const text = (await request.readBody(MAX_ADMIN_BODY_BYTES)).trim();
  if (text === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw invalid(400, 'The body is not JSON; send {"revokeTokens": true} or nothing.');
  }
  const keys = typeof body === 'object' && body !== null && !Array.isArray(body) ? Object.keys(body) : undefined;
  const revoke = (body as { revokeTokens?: unknown } | null)?.revokeTokens;
  if (keys === undefined || keys.some((key) => key !== 'revokeTokens') || (revoke !== undefined && typeof revoke !== 'boolean')) {
    throw invalid(400, 'The evict body is {"revokeTokens": true | false} (or empty).');
  }
  return revoke === true ? { revokeTokens: true } : {};
}

/** ADMIN_REQUEST_INVALID, with the HTTP status it is answered with (400, 404, 405 or 413). */
export function invalid(status: number, message: string, details: Record<string, unknown> = {}): TrellisError {
  return new TrellisError(ErrorCode.ADMIN_REQUEST_INVALID, message, { details: { ...details, status } });
}

function statusOf(err: TrellisError): number {
  if (err.code === ErrorCode.ADMIN_REQUEST_INVALID) return typeof err.details.status === 'number' ? err.details.status : 400;
  if (err.code === ErrorCode.ADMIN_LIBRARY_NOT_FOUND) return 404;
  if (err.code === ErrorCode.AUTH_FORBIDDEN || err.code === ErrorCode.AUTH_WRONG_LIBRARY) return 403;
  if (err.code.startsWith('AUTH_')) return 401;
  return 500;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw invalid(400, 'The library name is not valid percent-encoding.');
  }
}

/**
 * The Worker in front of the libraries' objects: `/parties/<party>/<library>`
 * WebSocket upgrades go to the library's Durable Object once the token
 * checks out, admin routes go to the library's object (admin-routes.ts),
 * `GET /health` answers from the Worker alone, and in dev mode
 * `GET /dev/token` issues tokens. A refused token is answered here, with the
 * same `error` frame and close code as the core sends, so it never wakes
 * (or creates) an object.
 */
import { isTrellisError } from '../../core/index.js';
import { answerDevTokenRequest, authorize, createTokenProvider, httpSyncEdgeRefusal, refuseSocket } from '../core/index.js';
import type { Log } from '../core/index.js';
import { answeredUpgrade, tokenOf } from './answered-upgrade.js';
import { drainBody } from './drain-body.js';
import { readSettings } from './settings.js';
import { FILE_CORS, FILE_PATH } from './r2-files.js';
import { adminLibrary, adminRoute, answerAdminRequest, workerAdminHost } from './admin-routes.js';
import { httpSyncRoute } from './http-sync-routes.js';
import type { Settings, TrellisVars } from './settings.js';
import type { TrellisLibrary } from './trellis-library.js';

export interface TrellisEnv extends TrellisVars {
  /** The Durable Object namespace of TrellisLibrary: one object per library. */
  readonly TRELLIS: DurableObjectNamespace<TrellisLibrary>;
}

export interface TrellisWorkerOptions {
  /** Only this party is routed (`/parties/<party>/…`); default: any, as in Node. */
  readonly party?: string;
  /** Milliseconds since the epoch for token expiry. Default Date.now. */
  readonly now?: () => number;
  /** Default: one JSON line per event on the console (Workers Logs). */
  readonly log?: Log;
}

const PARTY_PATH = /^\/parties\/([^/]+)\/([^/]+)\/?$/;

/**
 *   // worker.ts, the `main` of wrangler.toml
 *   export { TrellisLibrary } from 'trellis/server/cloudflare';
 *   export default createTrellisWorker();
 */
export function createTrellisWorker(options: TrellisWorkerOptions = {}): ExportedHandler<TrellisEnv> {
  return {
    async fetch(request, env) {
      const url = new URL(request.url);
      try {
        if (request.method === 'GET' && url.pathname === '/health') return json(200, { ok: true });
        if (request.method === 'GET' && url.pathname === '/dev/token') return await devToken({ url, settings: readSettings(env), options });
        return (await routeTrellisRequest(request, env, options)) ?? json(404, { error: 'not found' });
      } catch (err) {
        if (!isTrellisError(err)) throw err;
        logger(options)('error', 'server.misconfigured', { message: err.message });
        return json(500, { error: err.message });
      }
    },
  };
}

/**
 * Routes a library's WebSocket to its object after the token check, for a
 * Worker that serves other routes too; null when the path is not a party's.
 * Throws INVALID_ARGUMENT when the environment lacks a secret.
 */
export async function routeTrellisRequest(request: Request, env: TrellisEnv, options: TrellisWorkerOptions = {}): Promise<Response | null> {
  const url = new URL(request.url);
  const admin = adminRoute(url);
  if (admin !== undefined && (options.party === undefined || admin.party === options.party)) return routeAdmin({ request, env, options, path: admin.path });
  const file = FILE_PATH.exec(url.pathname); // files: to the library's object, which checks the token (r2-files.ts)
  if (file !== null && (options.party === undefined || file[1] === options.party)) {
    const name = decode(file[2] as string);
    if (name === undefined) await drainBody(request); // else a client still sending may get a reset, not the 404
    if (request.method === 'OPTIONS' || name === undefined) return new Response(null, { status: name === undefined ? 404 : 204, headers: FILE_CORS });
    return env.TRELLIS.get(env.TRELLIS.idFromName(name)).fetch(request);
  }
  const sync = httpSyncRoute(url); // sync over HTTP: to the library's object, which checks the token (http-sync-routes.ts)
  if (sync !== undefined && (options.party === undefined || sync.party === options.party)) {
    const name = decode(sync.library);
    if (name === undefined) return (await drainBody(request), json(404, { error: 'not found' }));
    // As for sockets: a refused token is answered here and never wakes (or creates) the library's object.
    const tokens = createTokenProvider({ secret: readSettings(env).secret, ...(options.now === undefined ? {} : { now: options.now }) });
    const refused = await httpSyncEdgeRefusal(tokens.verify, { method: request.method, path: sync.path, authorization: request.headers.get('authorization') });
    if (refused !== undefined) return (await drainBody(request), new Response(refused.body, { status: refused.status, headers: refused.headers }));
    return env.TRELLIS.get(env.TRELLIS.idFromName(name)).fetch(request);
  }
  const match = PARTY_PATH.exec(url.pathname);
  if (match === null || (options.party !== undefined && match[1] !== options.party)) return null;
  const library = decode(match[2] as string);
  if (library === undefined || request.headers.get('Upgrade')?.toLowerCase() !== 'websocket') return json(404, { error: 'not found' });
  const { secret } = readSettings(env);
  const tokens = createTokenProvider({ secret, ...(options.now === undefined ? {} : { now: options.now }) });
  const verdict = await authorize(tokens.verify, { library, token: tokenOf(request) });
  if (!verdict.ok) {
    logger(options)('warn', 'connection.unauthorized', { library, code: verdict.error.code });
    return answeredUpgrade((socket) => refuseSocket(socket, verdict));
  }
  return env.TRELLIS.get(env.TRELLIS.idFromName(library)).fetch(request);
}

/** A library's admin route goes to its object (admin-routes.ts); the others are answered here. */
async function routeAdmin(o: { request: Request; env: TrellisEnv; options: TrellisWorkerOptions; path: string }): Promise<Response> {
  const encoded = adminLibrary(o.path);
  const library = encoded === undefined ? undefined : decode(encoded);
  if (library !== undefined) return o.env.TRELLIS.get(o.env.TRELLIS.idFromName(library)).fetch(o.request);
  const tokens = createTokenProvider({ secret: readSettings(o.env).secret, ...(o.options.now === undefined ? {} : { now: o.options.now }) });
  return answerAdminRequest(o.request, { path: o.path, host: workerAdminHost(tokens.verify) });
}

async function devToken(o: { url: URL; settings: Settings; options: TrellisWorkerOptions }): Promise<Response> {
  if (!o.settings.devMode) return json(404, { error: 'not found' });
  logger(o.options)('warn', 'server.insecure', { message: 'TRELLIS_DEV_MODE=insecure: tokens are signed with the public development secret. Never deploy this.' });
  const tokens = createTokenProvider({ secret: o.settings.secret, ...(o.options.now === undefined ? {} : { now: o.options.now }) });
  const { status, body } = await answerDevTokenRequest(tokens, o.url.searchParams);
  return json(status, body);
}

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function logger(options: TrellisWorkerOptions): Log {
  return options.log ?? ((level, event, fields) => console.log(JSON.stringify({ level, event, ...fields })));
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

/**
 * The core's HTTP sync routes (http-sync-api.ts) on Cloudflare: the Worker
 * sends `/parties/<party>/<library>/sessions…` and `…/snapshots/…` to the
 * library's object, which answers them over its own core. Sessions live in
 * the object's memory: an object evicted from memory (a deploy, a restart)
 * forgets them, and their clients, answered HTTP_SESSION_NOT_FOUND, open new
 * ones and catch up from their cursors, as after a dropped socket. A waiting
 * long poll keeps the object in memory, as an open request does.
 */
import { answerHttpSync } from '../core/index.js';
import type { HttpSyncHost } from '../core/index.js';
import { drainBody } from './drain-body.js';

const SYNC_ROUTE = /^\/parties\/([^/]+)(\/([^/]+)\/(?:sessions|snapshots)(?:\/.*)?)$/;

/** The party, the path under it (`/<library>/sessions/…`) and the library segment (still encoded); undefined for other URLs. */
export function httpSyncRoute(url: URL): { party: string; path: string; library: string } | undefined {
  const match = SYNC_ROUTE.exec(url.pathname);
  return match === null ? undefined : { party: match[1] as string, path: match[2] as string, library: match[3] as string };
}

/** A Workers timer for the core (it has none of its own). */
export function workerTimer(fn: () => void, ms: number): () => void {
  const timer = setTimeout(fn, ms);
  return () => clearTimeout(timer);
}

export async function answerHttpSyncRequest(request: Request, o: { path: string; host: HttpSyncHost }): Promise<Response> {
  const url = new URL(request.url);
  const answer = await answerHttpSync(o.host, {
    method: request.method,
    path: o.path,
    search: url.search,
    authorization: request.headers.get('authorization'),
    ifNoneMatch: request.headers.get('if-none-match'),
    readBody: (limit) => readText(request, limit),
  });
  // A refused body is read and dropped before answering, or workerd would reset a client still sending it.
  await drainBody(request);
  const body = answer.status === 204 || answer.status === 304 ? null : answer.body;
  return new Response(body, { status: answer.status, headers: answer.headers });
}

/** The body as UTF-8 text; undefined past `limit` bytes. */
async function readText(request: Request, limit: number): Promise<string | undefined> {
  if (Number(request.headers.get('content-length')) > limit) return undefined;
  if (request.body === null) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      reader.releaseLock();
      return undefined;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

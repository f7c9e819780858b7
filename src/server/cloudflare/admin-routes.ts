/**
 * The core's admin routes (admin-api.ts) on Cloudflare: the Worker sends
 * `/parties/<party>/_admin/libraries/<library>/…` to the library's object,
 * which answers it over its own SQLite; `POST …/_admin/compact` (every
 * library) is refused, since no object holds the list of libraries.
 */
import { adminRequestInvalid, answerAdmin } from '../core/index.js';
import type { AdminHost } from '../core/index.js';
import { drainBody } from './drain-body.js';

const ADMIN_ROUTE = /^\/parties\/([^/]+)(\/_admin(?:\/.*)?)$/;
const LIBRARY_ROUTE = /^\/_admin\/libraries\/([^/]+)(?:\/[^/]*)?$/;

/** The party and the admin path under it (`/_admin/…`), or undefined when the URL is not an admin route. */
export function adminRoute(url: URL): { party: string; path: string } | undefined {
  const match = ADMIN_ROUTE.exec(url.pathname);
  return match === null ? undefined : { party: match[1] as string, path: match[2] as string };
}

/** The library an admin path names, still encoded; undefined for the routes the Worker answers itself. */
export function adminLibrary(path: string): string | undefined {
  return LIBRARY_ROUTE.exec(path)?.[1];
}

/** A host for the Worker itself: it holds no library, so only refusals come out of it. */
export function workerAdminHost(verifyToken: AdminHost['verifyToken']): AdminHost {
  return { verifyToken, everyLibrary: false, inspect: () => undefined, evict: () => {}, compact: () => [] };
}

export async function answerAdminRequest(request: Request, o: { path: string; host: AdminHost }): Promise<Response> {
  const { status, body } = await answerAdmin(o.host, {
    method: request.method,
    path: o.path,
    authorization: request.headers.get('authorization'),
    readBody: (limit) => readText(request, limit),
  });
  // A refused body is read and dropped before answering, or workerd would reset a client still sending it.
  await drainBody(request);
  return Response.json(body, { status, headers: { 'cache-control': 'no-store' } });
}

async function readText(request: Request, limit: number): Promise<string> {
  const tooLarge = () => adminRequestInvalid(413, `The body is larger than ${limit} bytes.`, { limit });
  if (Number(request.headers.get('content-length')) > limit) throw tooLarge();
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
      throw tooLarge();
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

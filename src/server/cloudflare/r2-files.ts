/**
 * Files on Cloudflare: bytes in an R2 bucket (binding `TRELLIS_FILES`), keyed
 * `<encoded library>/<file id>`. The Worker forwards
 * `/parties/<party>/<library>/files/<id>` to the library's object, which
 * checks the token and sizes (the core's FileServer) and, on its alarm,
 * collects unreferenced files: the references are in its SQLite.
 */
import { createFileServer, fileTooLarge, parseDuration } from '../core/index.js';
import type { FileServer, FileServerOptions, FileStorage } from '../core/index.js';
import { MAX_DRAIN_BYTES, drainBody } from './drain-body.js';
import type { TrellisVars } from './settings.js';

export const FILE_PATH = /^\/parties\/([^/]+)\/([^/]+)\/files\/([^/]+)$/;

export const FILE_CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, HEAD, PUT, OPTIONS',
  'access-control-allow-headers': 'authorization, content-type',
  'access-control-max-age': '86400',
};

export function createR2Storage(bucket: R2Bucket): FileStorage {
  const prefix = (library: string) => `${encodeURIComponent(library)}/`;
  return {
    put: async ({ library, id, bytes }) => void (await bucket.put(prefix(library) + id, bytes)),
    get: async ({ library, id }) => {
      const object = await bucket.get(prefix(library) + id);
      return object === null ? undefined : new Uint8Array(await object.arrayBuffer());
    },
    has: async ({ library, id }) => (await bucket.head(prefix(library) + id)) !== null,
    delete: ({ library, id }) => bucket.delete(prefix(library) + id),
    list: async (library) => {
      const files: { id: string; size: number }[] = [];
      let cursor: string | undefined;
      do {
        const page = await bucket.list({ prefix: prefix(library), ...(cursor === undefined ? {} : { cursor }) });
        for (const object of page.objects) files.push({ id: object.key.slice(prefix(library).length), size: object.size });
        cursor = page.truncated ? page.cursor : undefined;
      } while (cursor !== undefined);
      return files;
    },
  };
}

export function createR2Files(options: Omit<FileServerOptions, 'storage'> & { readonly bucket: R2Bucket }): FileServer {
  return createFileServer({ ...options, storage: createR2Storage(options.bucket) });
}

/** The answer to a file request (undefined for other paths); without a bucket, a 404 that says so. */
export async function answerFileRequest(request: Request, files: FileServer | undefined): Promise<Response | undefined> {
  const url = new URL(request.url);
  const match = FILE_PATH.exec(url.pathname);
  if (match === null) return undefined;
  if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: FILE_CORS });
  if (files === undefined) {
    const message = 'This server stores no files: bind an R2 bucket as TRELLIS_FILES.';
    await drainBody(request);
    return Response.json({ code: 'FILE_NOT_FOUND', message }, { status: 404, headers: FILE_CORS });
  }
  const length = Number(request.headers.get('content-length') ?? Number.NaN);
  const answer = await files.handle({
    method: request.method,
    library: decode(match[2] as string) ?? '',
    id: decode(match[3] as string) ?? '',
    authorization: request.headers.get('authorization'),
    contentLength: Number.isFinite(length) ? length : undefined,
    readBody: (limit) => readBody(request, limit),
  });
  // A refusal left the body unread (or half read): read the rest, or the client may get a reset instead of this answer.
  await drainBody(request, Math.max(MAX_DRAIN_BYTES, files.maxFileSize));
  return new Response(answer.body, { status: answer.status, headers: { ...FILE_CORS, ...answer.headers } });
}

async function readBody(request: Request, limit: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body?.getReader();
  for (;;) {
    const next = await reader?.read();
    if (next === undefined || next.done) break;
    size += next.value.byteLength;
    if (size > limit) {
      // Not cancelled: answerFileRequest drains the rest (drain-body.ts), or the client could get a reset, not the 413.
      reader?.releaseLock();
      throw fileTooLarge(limit);
    }
    chunks.push(next.value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

export function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** TRELLIS_MAX_FILE_SIZE (bytes) and TRELLIS_FILE_GRACE (a duration) as FileServer options. */
export function fileLimits(vars: TrellisVars): { maxFileSize?: number; graceMs?: number } {
  const size = Number(vars.TRELLIS_MAX_FILE_SIZE);
  return {
    ...(Number.isSafeInteger(size) && size > 0 ? { maxFileSize: size } : {}),
    ...(vars.TRELLIS_FILE_GRACE === undefined ? {} : { graceMs: parseDuration(vars.TRELLIS_FILE_GRACE) * 1000 }),
  };
}

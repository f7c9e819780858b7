/**
 * File storage for `file` fields, runtime-free. Clients `PUT` and `GET` a
 * file's bytes at `<sync http url>/<library>/files/<fileId>` with the
 * library's token (`Authorization: Bearer`); read tokens may download, write
 * tokens upload. Documents only carry `{ id, name, type, size }`. `HEAD`
 * (any token of the library) says whether the server holds a file: 200, or
 * 404 FILE_NOT_FOUND; a replica that finds its library under a new epoch (it
 * was evicted, and maybe restored from this replica's own seed) asks it of the
 * files it believes uploaded, and uploads the missing ones again.
 *
 * Garbage collection: a stored file is live while any baseline's document or
 * any op of its library (ops after the horizon; older ones were compacted
 * away) holds its id as a string. The first sweep that finds it unreferenced notes the
 * time; a sweep at least `graceMs` later deletes it, unless it was referenced
 * again meanwhile. The grace covers uploads whose op has not arrived yet and
 * undo on replicas that still hold the reference.
 */
import type { Json } from '../../core/index.js';
import { ErrorCode, TrellisError, isFileId, isTrellisError } from '../../core/index.js';
import { materialize } from '../../merge/index.js';
import { streamBaselines } from './baselines.js';
import { fileInScope } from './file-scope.js';
import { listLibraries } from './libraries.js';
import { streamOps } from './op-log.js';
import { revocationRefusal } from './revocations.js';
import type { Log, SqlStorage, VerifyToken } from './types.js';
import { DEFAULT_UPLOAD_LIMITS, createUploadSlots } from './upload-slots.js';

export interface FileKey {
  readonly library: string;
  readonly id: string;
}

/** Where bytes live: a directory in Node, R2 on Cloudflare. Ids are validated before they reach it. */
export interface FileStorage {
  put(key: FileKey & { readonly bytes: Uint8Array }): Promise<void>;
  /**
   * Stores the bytes as they arrive, so an upload is never held whole in memory (Node: into a
   * temporary file renamed into place); returns the size. Nothing is stored when `body` throws.
   * Without it, an upload is read whole and given to `put` (R2 needs the length first).
   */
  putStream?(key: FileKey & { readonly body: AsyncIterable<Uint8Array> }): Promise<number>;
  get(key: FileKey): Promise<Uint8Array | undefined>;
  /** Whether the file is stored, without reading it; without it, HEAD reads the bytes with `get`. */
  has?(key: FileKey): Promise<boolean>;
  delete(key: FileKey): Promise<void>;
  list(library: string): Promise<{ readonly id: string; readonly size: number }[]>;
}

export interface FileServerOptions {
  /** The sync server's storage: references are read from its baselines and ops. */
  readonly sql: SqlStorage;
  readonly storage: FileStorage;
  readonly now: () => number;
  readonly verifyToken: VerifyToken;
  readonly log?: Log;
  /** Largest file accepted, in bytes (FILE_TOO_LARGE, HTTP 413, beyond). Default 25 MiB. */
  readonly maxFileSize?: number;
  /** How long a file stays unreferenced before it is deleted. Default one day. */
  readonly graceMs?: number;
  /** Uploads in progress at once, all users together (each holds its bytes in memory); one more: 503 SERVER_LIMIT_EXCEEDED. Default 8. */
  readonly maxUploads?: number;
  /** Uploads in progress at once for one user; one more: 429 SERVER_LIMIT_EXCEEDED. Default 4. */
  readonly maxUploadsPerUser?: number;
}

/** One HTTP request for a file, as the adapter parsed it. */
export interface FileRequest {
  readonly method: string;
  readonly library: string;
  readonly id: string;
  /** The `Authorization` header. */
  readonly authorization: string | null | undefined;
  /** The `Content-Length` header, when given: a bigger one is refused before any byte is read. */
  readonly contentLength?: number | undefined;
  /** Reads the body; throws FILE_TOO_LARGE as soon as it exceeds `limit` bytes. */
  readBody(limit: number): Promise<Uint8Array>;
  /** The body as it arrives, for `FileStorage.putStream`; throws FILE_TOO_LARGE as soon as it exceeds `limit` bytes. */
  streamBody?(limit: number): AsyncIterable<Uint8Array>;
}

export interface FileResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Uint8Array | string;
}

export interface FileServer {
  readonly maxFileSize: number;
  handle(request: FileRequest): Promise<FileResponse>;
  /** Deletes files unreferenced for longer than the grace period; one library or all. Returns the deleted ids. */
  collect(library?: string): Promise<{ library: string; deleted: string[] }[]>;
}

export const DEFAULT_MAX_FILE_SIZE = 25 * 1024 * 1024;
export const DEFAULT_FILE_GRACE_MS = 24 * 60 * 60 * 1000;

const STATUS: Partial<Record<ErrorCode, number>> = {
  AUTH_TOKEN_MISSING: 401,
  AUTH_TOKEN_INVALID: 401,
  AUTH_TOKEN_EXPIRED: 401,
  AUTH_TOKEN_REVOKED: 403,
  AUTH_WRONG_LIBRARY: 403,
  AUTH_FORBIDDEN: 403,
  AUTH_SCOPE_FORBIDDEN: 403,
  FILE_INVALID: 400,
  FILE_NOT_FOUND: 404,
  FILE_TOO_LARGE: 413,
  INVALID_ARGUMENT: 405,
};

/** The adapter's helper for `readBody`: the error to throw past the limit. */
export function fileTooLarge(limit: number): TrellisError {
  return new TrellisError(ErrorCode.FILE_TOO_LARGE, `The file is larger than this server's limit of ${limit} bytes; nothing was stored.`, {
    details: { limit },
  });
}

/**
 *   const files = createFileServer({ sql, storage, now: Date.now, verifyToken: tokens.verify });
 *   const response = await files.handle({ method, library, id, authorization, contentLength, readBody });
 *   setInterval(() => void files.collect(), 60_000); // after compaction
 */
export function createFileServer(options: FileServerOptions): FileServer {
  const { sql, storage, now } = options;
  const log = options.log ?? (() => {});
  const maxFileSize = options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
  const graceMs = options.graceMs ?? DEFAULT_FILE_GRACE_MS;
  const uploads = createUploadSlots({ ...DEFAULT_UPLOAD_LIMITS, ...pickDefined({ maxUploads: options.maxUploads, maxUploadsPerUser: options.maxUploadsPerUser }) });
  sql.exec('CREATE TABLE IF NOT EXISTS file_gc (library TEXT NOT NULL, id TEXT NOT NULL, since INTEGER NOT NULL, PRIMARY KEY (library, id))');

  const answer = async (request: FileRequest): Promise<FileResponse> => {
    const { library, id } = request;
    if (request.method !== 'GET' && request.method !== 'PUT' && request.method !== 'HEAD') {
      throw new TrellisError(ErrorCode.INVALID_ARGUMENT, 'Files take GET (download), PUT (upload) and HEAD (is it stored?).');
    }
    if (!isFileId(id)) throw new TrellisError(ErrorCode.FILE_INVALID, 'A file id is 1 to 64 characters of A-Z, a-z, 0-9, _ and -.', { details: { id } });
    const claims = await authorizeFile(options, request);
    // An admin token administers; it reads and writes no library's data (types.ts Role).
    if (claims.role === 'admin') throw new TrellisError(ErrorCode.AUTH_FORBIDDEN, 'An admin token cannot read or write files; use a read or write token.');
    if (request.method !== 'PUT' && claims.scope !== undefined && !fileInScope(sql, { library, id, scope: claims.scope })) {
      throw new TrellisError(ErrorCode.AUTH_SCOPE_FORBIDDEN, 'No document inside this token\'s scope refers to this file; request a token whose scope covers a document that holds it.', { details: { id } });
    }
    if (request.method === 'HEAD') {
      const held = storage.has === undefined ? (await storage.get({ library, id })) !== undefined : await storage.has({ library, id });
      if (!held) throw new TrellisError(ErrorCode.FILE_NOT_FOUND, 'No such file in this library (never uploaded, or collected).', { details: { id } });
      return { status: 200, headers: {}, body: '' };
    }
    if (request.method === 'GET') {
      const bytes = await storage.get({ library, id });
      if (bytes === undefined) throw new TrellisError(ErrorCode.FILE_NOT_FOUND, 'No such file in this library (never uploaded, or collected).', { details: { id } });
      return { status: 200, headers: { 'content-type': 'application/octet-stream', 'x-content-type-options': 'nosniff', 'cache-control': 'private, max-age=31536000, immutable' }, body: bytes };
    }
    if (claims.role !== 'write') throw new TrellisError(ErrorCode.AUTH_FORBIDDEN, 'A read token may download files, not upload them; request a write token.');
    if (request.contentLength !== undefined && request.contentLength > maxFileSize) throw fileTooLarge(maxFileSize);
    // Taken before any byte is read, given back once the bytes are stored or the upload failed.
    const release = uploads.take(claims.user);
    log('debug', 'file.receiving', { library, id, user: claims.user });
    try {
      const size = await receive({ storage, request, maxFileSize });
      log('info', 'file.stored', { library, id, size });
      return json(201, { ok: true, id, size });
    } finally {
      release();
    }
  };

  const handleOrRefuse = async (request: FileRequest): Promise<FileResponse> => {
    try {
      return await answer(request);
    } catch (err) {
      if (isTrellisError(err) && err.code === ErrorCode.SERVER_LIMIT_EXCEEDED) {
        log('warn', 'file.limited', { library: request.library, id: request.id, details: err.details });
        const status = err.details.limit === 'uploads' ? 503 : 429;
        return { ...json(status, { code: err.code, message: err.message, details: err.details }), headers: { 'content-type': 'application/json', 'retry-after': '1' } };
      }
      if (isTrellisError(err) && STATUS[err.code] !== undefined) {
        log('info', 'file.refused', { library: request.library, id: request.id, code: err.code });
        return json(STATUS[err.code] as number, { code: err.code, message: err.message, details: err.details });
      }
      log('error', 'file.failed', { library: request.library, id: request.id, message: String(err) });
      return json(500, { code: ErrorCode.SERVER_INTERNAL, message: 'The server failed to handle the file; retry later.' });
    }
  };

  return {
    maxFileSize,
    handle: async (request) => {
      const response = await handleOrRefuse(request);
      // A HEAD answer has the status and headers of the GET answer, without a body.
      return request.method === 'HEAD' ? { ...response, body: '' } : response;
    },
    collect: async (library) => {
      // An evicted library has no row left, but its files' collection may have begun (file_gc).
      const pending = sql.exec<{ library: string }>('SELECT DISTINCT library FROM file_gc').map((row) => row.library);
      const libraries = library === undefined ? [...new Set([...listLibraries(sql), ...pending])] : [library];
      const results: { library: string; deleted: string[] }[] = [];
      for (const name of libraries) results.push({ library: name, deleted: await collectLibrary({ sql, storage, log, now: now(), graceMs, library: name }) });
      return results;
    },
  };
}

async function authorizeFile(options: FileServerOptions, request: FileRequest) {
  const token = /^Bearer\s+(\S+)\s*$/i.exec(request.authorization ?? '')?.[1];
  if (token === undefined) throw new TrellisError(ErrorCode.AUTH_TOKEN_MISSING, 'No token was given; send `Authorization: Bearer <token>` with the library\'s token.');
  const claims = await options.verifyToken(token);
  if (claims.library !== request.library) throw new TrellisError(ErrorCode.AUTH_WRONG_LIBRARY, 'The token is for another library; request a token for this one.');
  const revoked = revocationRefusal(options.sql, { library: request.library, claims });
  if (revoked !== undefined) throw revoked.error;
  return claims;
}

async function collectLibrary(o: { sql: SqlStorage; storage: FileStorage; log: Log; now: number; graceMs: number; library: string }): Promise<string[]> {
  const { sql, library } = o;
  const stored = new Set((await o.storage.list(library)).map((file) => file.id));
  const unreferenced = new Set(stored);
  const visit = (value: Json): void => {
    if (typeof value === 'string') unreferenced.delete(value);
    else if (Array.isArray(value)) value.forEach(visit);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(visit);
  };
  if (unreferenced.size > 0) {
    // The materialized document, not every entry: a put whose file field was later replaced still holds the old ref.
    for (const baseline of streamBaselines(sql, library)) visit(materialize(baseline.state) ?? null);
    for (const { op } of streamOps(sql, { library, after: 0 })) visit(op.change as unknown as Json);
  }
  const since = new Map(sql.exec<{ id: string; since: number }>('SELECT id, since FROM file_gc WHERE library = ?', library).map((row) => [row.id, row.since]));
  const deleted: string[] = [];
  for (const id of since.keys()) if (!unreferenced.has(id)) sql.exec('DELETE FROM file_gc WHERE library = ? AND id = ?', library, id);
  for (const id of unreferenced) {
    const first = since.get(id);
    if (first === undefined) sql.exec('INSERT INTO file_gc (library, id, since) VALUES (?, ?, ?)', library, id, o.now);
    else if (o.now - first >= o.graceMs) {
      await o.storage.delete({ library, id });
      sql.exec('DELETE FROM file_gc WHERE library = ? AND id = ?', library, id);
      deleted.push(id);
    }
  }
  if (deleted.length > 0) o.log('info', 'files.collected', { library, deleted: deleted.length });
  return deleted;
}

/**
 * Streams the body into storage when both ends can, else reads it whole and
 * puts it; returns its size. A file id names one content, so a repeated upload
 * (a retry after a lost answer) just writes the same bytes again.
 */
async function receive(o: { storage: FileStorage; request: FileRequest; maxFileSize: number }): Promise<number> {
  const { storage, request, maxFileSize } = o;
  const key = { library: request.library, id: request.id };
  if (storage.putStream !== undefined && request.streamBody !== undefined) return storage.putStream({ ...key, body: request.streamBody(maxFileSize) });
  const bytes = await request.readBody(maxFileSize);
  if (bytes.byteLength > maxFileSize) throw fileTooLarge(maxFileSize);
  await storage.put({ ...key, bytes });
  return bytes.byteLength;
}

function pickDefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function json(status: number, body: unknown): FileResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

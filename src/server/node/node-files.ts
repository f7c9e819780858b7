/**
 * Files in Node: bytes in a directory (`--files ./data/files`), one folder
 * per library named by the SHA-256 of its name, one file per file id (ids are
 * validated by the core, so no path leaves the folder). Uploads land in a
 * temporary file renamed into place, so a crash leaves no half file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isFileId } from '../../core/index.js';
import { createFileServer, fileTooLarge } from '../core/index.js';
import type { FileServer, FileServerOptions, FileStorage, Log } from '../core/index.js';
import { readBodyWithin } from './read-body.js';

/** Under the handler's base path (trellis-handler.ts). */
const FILE_PATH = /^\/([^/]+)\/files\/([^/]+)$/;
const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, HEAD, PUT, OPTIONS',
  'access-control-allow-headers': 'authorization, content-type',
  'access-control-max-age': '86400',
};

export function createDirectoryStorage(root: string): FileStorage {
  const folder = (library: string) => join(root, createHash('sha256').update(library).digest('hex'));
  const path = (key: { library: string; id: string }) => {
    // The core validates ids first; checked again because this is where a bad one would escape the folder.
    if (!isFileId(key.id)) throw new Error(`unsafe file id ${JSON.stringify(key.id)}`);
    return join(folder(key.library), key.id);
  };
  return {
    put: async (key) => {
      const target = path(key);
      await mkdir(folder(key.library), { recursive: true });
      const temporary = `${target}.${randomBytes(6).toString('hex')}.tmp`;
      await writeFile(temporary, key.bytes);
      await rename(temporary, target);
    },
    putStream: async (key) => {
      const target = path(key);
      await mkdir(folder(key.library), { recursive: true });
      // Not a file id (it has dots): list() and collection never see it.
      const temporary = `${target}.${randomBytes(6).toString('hex')}.tmp`;
      let size = 0;
      const counted = async function* () {
        for await (const chunk of key.body) {
          size += chunk.byteLength;
          yield chunk;
        }
      };
      const out = createWriteStream(temporary);
      try {
        await pipeline(Readable.from(counted()), out);
        await rename(temporary, target);
      } catch (err) {
        // pipeline settles as soon as the body fails, while the file stream may still be opening (it then
        // creates the file after a removal): remove the temporary file only once the stream has closed.
        if (!out.closed) await new Promise<void>((resolve) => out.once('close', () => resolve()));
        await rm(temporary, { force: true });
        throw err;
      }
      return size;
    },
    get: async (key) => {
      try {
        return new Uint8Array(await readFile(path(key)));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
    has: async (key) => stat(path(key)).then(
      (found) => found.isFile(),
      (err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? false : Promise.reject(err)),
    ),
    delete: async (key) => rm(path(key), { force: true }),
    list: async (library) => {
      const names = await readdir(folder(library)).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? [] : Promise.reject(err)));
      const ids = names.filter((name) => isFileId(name));
      return Promise.all(ids.map(async (id) => ({ id, size: (await stat(join(folder(library), id))).size })));
    },
  };
}

export type NodeFilesOptions = Omit<FileServerOptions, 'storage'> & { readonly dir: string };

export function createNodeFiles(options: NodeFilesOptions): FileServer {
  return createFileServer({ ...options, storage: createDirectoryStorage(options.dir) });
}

/**
 * Answers `<base>/<library>/files/<id>` (GET, HEAD, PUT, CORS preflight), where
 * `path` is the part under the base path; undefined for any other path.
 * Without a files directory it says so with 404.
 */
export function answerFile(o: { files: FileServer | undefined; req: IncomingMessage; res: ServerResponse; path: string }): Promise<void> | undefined {
  const { files, req, res } = o;
  const match = FILE_PATH.exec(o.path);
  if (match === null) return undefined;
  if (req.method === 'OPTIONS') return Promise.resolve(void res.writeHead(204, CORS).end());
  if (files === undefined) {
    const body = { code: 'FILE_NOT_FOUND', message: 'This server stores no files: start it with --files <dir> (createNodeServer({ filesDir })).' };
    return Promise.resolve(void res.writeHead(404, { ...CORS, 'content-type': 'application/json' }).end(JSON.stringify(body)));
  }
  const [library, id] = [decode(match[1] as string), decode(match[2] as string)];
  const length = Number(req.headers['content-length']);
  return files
    .handle({
      method: req.method ?? 'GET',
      library: library ?? '',
      id: id ?? '',
      authorization: req.headers.authorization,
      contentLength: Number.isFinite(length) ? length : undefined,
      readBody: async (limit) => (await readBodyWithin(req, limit)) ?? Promise.reject(fileTooLarge(limit)),
      streamBody: (limit) => streamBody(req, limit),
    })
    .then((answer) => {
      // A refused upload's unread body is read and dropped by Node after the answer; closing instead
      // would reset the connection under a client still sending, which then never sees the answer.
      res.writeHead(answer.status, { ...CORS, ...answer.headers }).end(answer.body);
    });
}


/** The request's body as it arrives; past `limit` bytes the rest is read and dropped, and FILE_TOO_LARGE thrown. */
async function* streamBody(req: IncomingMessage, limit: number): AsyncGenerator<Uint8Array> {
  let size = 0;
  let tooLarge = false;
  // Not destroyed when the loop ends early: destroying would reset a client still sending, which then never sees the answer.
  for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      tooLarge = true;
      break;
    }
    yield chunk;
  }
  if (!tooLarge) return;
  req.resume();
  throw fileTooLarge(limit);
}

/** Collects unreferenced files on the compaction interval. */
export function startFileCollection(o: { files: FileServer; log: Log; intervalMs: number }): NodeJS.Timeout | undefined {
  if (o.intervalMs <= 0) return undefined;
  const timer = setInterval(() => {
    o.files.collect().catch((err: unknown) => o.log('error', 'files.collection-failed', { message: String(err) }));
  }, o.intervalMs);
  return timer.unref();
}

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

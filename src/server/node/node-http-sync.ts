/** The core's HTTP sync routes (http-sync-api.ts) over Node's request and response. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerHttpSync } from '../core/index.js';
import type { HttpSyncHost } from '../core/index.js';

/** A Node timer for the core (it has none of its own), unref'd so an idle session never keeps a process alive. */
export function nodeTimer(fn: () => void, ms: number): () => void {
  const timer = setTimeout(fn, ms);
  timer.unref();
  return () => clearTimeout(timer);
}

/** Answers one HTTP sync request; `path` is the request's path under the handler's base path. */
export async function answerHttpSyncNode(o: { req: IncomingMessage; res: ServerResponse; path: string; host: HttpSyncHost; handled?: () => void }): Promise<void> {
  const { req, res } = o;
  const url = new URL(req.url ?? '/', 'http://localhost');
  const session = /\/sessions\/([^/]+)$/.exec(o.path)?.[1];
  // A long poll whose client left: its session ends before frames are drained into an answer nobody reads.
  const onGone = (): void => {
    if (!res.writableFinished && session !== undefined && req.method === 'GET') o.host.sessions.drop(decodeURIComponent(session));
  };
  res.once('close', onGone);
  const answer = await answerHttpSync(o.host, {
    method: req.method ?? 'GET',
    path: o.path,
    search: url.search,
    authorization: req.headers.authorization,
    ifNoneMatch: req.headers['if-none-match'],
    readBody: (limit) => readBody(req, limit),
  });
  res.off('close', onGone);
  if (!res.destroyed) res.writeHead(answer.status, answer.headers).end(answer.body);
  // As after a socket's frame: checkpoint the WAL between requests, never inside a push's commit.
  o.handled?.();
}

/** The body as UTF-8 text; undefined past `limit` bytes (the rest is read and dropped, so the client gets the answer). */
function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  // Express's body parsers may have read the body already: take what they parsed.
  const parsed = (req as IncomingMessage & { body?: unknown }).body;
  if (req.readableEnded && parsed !== undefined) {
    const text = typeof parsed === 'string' ? parsed : Buffer.isBuffer(parsed) ? parsed.toString('utf8') : JSON.stringify(parsed);
    return Promise.resolve(Buffer.byteLength(text) > limit ? undefined : text);
  }
  if (Number(req.headers['content-length']) > limit) {
    req.resume();
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off('data', onData);
      req.resume();
      resolve(undefined);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}

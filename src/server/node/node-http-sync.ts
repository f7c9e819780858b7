/** The core's HTTP sync routes (http-sync-api.ts) over Node's request and response. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerHttpSync } from '../core/index.js';
import type { HttpSyncHost } from '../core/index.js';
import { readBodyWithin } from './read-body.js';

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
    readBody: async (limit) => (await readBodyWithin(req, limit))?.toString('utf8'),
  });
  res.off('close', onGone);
  if (!res.destroyed) res.writeHead(answer.status, answer.headers).end(answer.body);
  // As after a socket's frame: checkpoint the WAL between requests, never inside a push's commit.
  o.handled?.();
}


/** The core's admin routes (admin-api.ts) over Node's request and response. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { adminRequestInvalid, answerAdmin } from '../core/index.js';
import type { AdminHost } from '../core/index.js';

/** Answers one admin request; `path` is the request's path under the handler's base path. */
export async function answerAdminHttp(o: { req: IncomingMessage; res: ServerResponse; path: string; host: AdminHost }): Promise<void> {
  const { status, body } = await answerAdmin(o.host, {
    method: o.req.method ?? 'GET',
    path: o.path,
    authorization: o.req.headers.authorization,
    readBody: (limit) => readText(o.req, limit),
  });
  o.res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

/** The body as UTF-8 text, refused (413) past `limit` bytes without buffering more than that. */
function readText(req: IncomingMessage, limit: number): Promise<string> {
  // Express's body parsers (express.json()) may have read the body already: take what they parsed.
  const parsed = (req as IncomingMessage & { body?: unknown }).body;
  if (req.readableEnded && parsed !== undefined) return Promise.resolve(typeof parsed === 'string' ? parsed : JSON.stringify(parsed));
  const tooLarge = () => adminRequestInvalid(413, `The body is larger than ${limit} bytes.`, { limit });
  if (Number(req.headers['content-length']) > limit) {
    req.resume();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off('data', onData);
      // The rest is read and dropped, so the client still sees the answer.
      req.resume();
      reject(tooLarge());
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}

/** The core's admin routes (admin-api.ts) over Node's request and response. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { adminRequestInvalid, answerAdmin } from '../core/index.js';
import type { AdminHost } from '../core/index.js';
import { readBodyWithin } from './read-body.js';

/** Answers one admin request; `path` is the request's path under the handler's base path. */
export async function answerAdminHttp(o: { req: IncomingMessage; res: ServerResponse; path: string; host: AdminHost }): Promise<void> {
  const { status, body } = await answerAdmin(o.host, {
    method: o.req.method ?? 'GET',
    path: o.path,
    authorization: o.req.headers.authorization,
    readBody: async (limit) => {
      const body = await readBodyWithin(o.req, limit);
      if (body === undefined) throw adminRequestInvalid(413, `The body is larger than ${limit} bytes.`, { limit });
      return body.toString('utf8');
    },
  });
  o.res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}


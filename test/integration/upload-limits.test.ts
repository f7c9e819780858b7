/**
 * Unfinished uploads over HTTP on the Node server (issue 14, defect 11): a
 * client that starts uploads and never finishes them holds at most
 * maxUploadsPerUser of them; one more is answered 429 at once, other users
 * keep uploading, and a finished upload frees its slot.
 */
import { request } from 'node:http';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { startTestServer, tempDir } from '../helpers/start-test-server.js';
import type { TestServer } from '../helpers/start-test-server.js';

interface Upload {
  readonly req: ClientRequest;
  readonly response: Promise<{ status: number; body: string }>;
}

/** A PUT announcing `size` bytes and sending `sent` of them now; the rest waits for `req.end(rest)`. */
async function startUpload(server: TestServer, o: { id: string; user: string; size: number; sent: number }): Promise<Upload> {
  const token = await server.token({ library: 'lib', user: o.user });
  const { port } = server.node;
  const req = request({ host: '127.0.0.1', port, method: 'PUT', path: `/parties/trellis/lib/files/${o.id}`, headers: { authorization: `Bearer ${token}`, 'content-length': o.size } });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res: IncomingMessage) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
  // An upload the test abandons (destroy) rejects; nobody awaits it.
  response.catch(() => {});
  req.write(Buffer.alloc(o.sent, 1));
  return { req, response };
}

const receiving = (server: TestServer) => server.logs.filter((l) => l.event === 'file.receiving').length;

describe('unfinished uploads', () => {
  test('one more than maxUploadsPerUser is answered 429 while the others wait for their bytes; another user uploads; a finished upload frees a slot', async () => {
    const server = await startTestServer({ filesDir: join(tempDir(), 'files'), maxUploadsPerUser: 2, maxUploads: 3 });
    const size = 1024 * 1024;
    const open = [await startUpload(server, { id: 'a', user: 'mallory', size, sent: 1000 }), await startUpload(server, { id: 'b', user: 'mallory', size, sent: 1000 })];
    await expect.poll(() => receiving(server)).toBe(2);

    const extra = await startUpload(server, { id: 'c', user: 'mallory', size, sent: 1000 });
    const refused = await extra.response;
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'SERVER_LIMIT_EXCEEDED', details: { limit: 'uploadsPerUser', max: 2 } });
    extra.req.destroy();

    const ada = await startUpload(server, { id: 'd', user: 'ada', size: 10, sent: 10 });
    ada.req.end();
    expect((await ada.response).status).toBe(201);

    open[0]!.req.end(Buffer.alloc(size - 1000, 1));
    expect((await open[0]!.response).status).toBe(201);
    const again = await startUpload(server, { id: 'c', user: 'mallory', size: 10, sent: 10 });
    again.req.end();
    expect((await again.response).status).toBe(201);
    open[1]!.req.destroy();
  });
});

/**
 * Unfinished uploads over HTTP on the Node server (issue 14, defect 11): an
 * upload streams to disk as it arrives (no upload is held whole in memory); a
 * client that starts uploads and never finishes them holds at most
 * maxUploadsPerUser of them; one more is answered 429 at once, other users
 * keep uploading, and a finished upload frees its slot.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
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

/** Every file under `dir`, with its size. */
function filesUnder(dir: string): { name: string; size: number }[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => ({ name, size: statSync(join(dir, name)).size }))
    .filter((_, i, all) => statSync(join(dir, all[i]!.name)).isFile());
}

/** A PUT announcing `size` bytes and sending `sent` of them now; the rest waits for `req.end(rest)`. */
async function startUpload(server: TestServer, o: { id: string; user: string; size?: number; sent: number }): Promise<Upload> {
  const token = await server.token({ library: 'lib', user: o.user });
  const { port } = server.node;
  // Without a size the body is chunked: the server learns its length only as it arrives.
  const headers = { authorization: `Bearer ${token}`, ...(o.size === undefined ? {} : { 'content-length': o.size }) };
  const req = request({ host: '127.0.0.1', port, method: 'PUT', path: `/parties/trellis/lib/files/${o.id}`, headers });
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

  test('an upload is written to disk as it arrives, and one that passes maxFileSize mid-body is answered 413 with nothing stored', async () => {
    const dir = join(tempDir(), 'files');
    const server = await startTestServer({ filesDir: dir, maxFileSize: 64 * 1024 });
    const slow = await startUpload(server, { id: 'slow', user: 'ada', size: 50_000, sent: 20_000 });
    // Half the body is on disk, in a temporary file, before the rest was even sent.
    await expect.poll(() => filesUnder(dir).filter((f) => f.name.endsWith('.tmp')).map((f) => f.size)).toEqual([20_000]);
    slow.req.end(Buffer.alloc(30_000, 2));
    expect((await slow.response).status).toBe(201);
    const [stored] = filesUnder(dir).filter((f) => f.name.endsWith('slow'));
    expect(stored?.size).toBe(50_000);
    expect(readFileSync(join(dir, stored!.name)).subarray(19_999, 20_001)).toEqual(Buffer.from([1, 2]));

    const big = await startUpload(server, { id: 'big', user: 'ada', sent: 60_000 });
    big.req.end(Buffer.alloc(60_000, 3));
    const refused = await big.response;
    expect(refused.status).toBe(413);
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'FILE_TOO_LARGE' });
    expect(filesUnder(dir).map((f) => f.name).filter((name) => name.includes('big'))).toEqual([]);
  });
});

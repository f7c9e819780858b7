/**
 * Unfinished uploads hold their bytes in memory, so the file server bounds how
 * many run at once, per user and in all (issue 14, defect 11): one more is
 * refused before any byte is read (429 per user, 503 for the server, code
 * SERVER_LIMIT_EXCEEDED), and a finished upload frees its slot.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, test } from 'vitest';
import { ErrorCode } from 'trellis';
import { createFileServer, migrate } from 'trellis/server';
import type { FileRequest, FileResponse, FileServerOptions } from 'trellis/server';
import { createSqliteStorage } from 'trellis/server/node';
import { createDirectoryStorage } from '../../../src/server/node/node-files.js';
import { fakeVerify } from '../../helpers/fake-sync-server.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function fileServer(limits: Partial<FileServerOptions> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-uploads-'));
  dirs.push(dir);
  const sql = createSqliteStorage(new Database(':memory:'));
  // The sync server's tables: the file server reads revocations from them.
  migrate(sql);
  return createFileServer({ sql, storage: createDirectoryStorage(dir), now: Date.now, verifyToken: fakeVerify, ...limits });
}

/** An upload whose body has not arrived yet; `finish` delivers it. `started` resolves when the server began reading it. */
function upload(files: ReturnType<typeof fileServer>, o: { id: string; user: string }) {
  let deliver: (bytes: Uint8Array) => void = () => {};
  let began: () => void = () => {};
  const started = new Promise<void>((resolve) => (began = resolve));
  const body = new Promise<Uint8Array>((resolve) => (deliver = resolve));
  const request: FileRequest = {
    method: 'PUT',
    library: 'lib',
    id: o.id,
    authorization: `Bearer write:lib:${o.user}`,
    contentLength: 3,
    readBody: () => (began(), body),
  };
  const response: Promise<FileResponse> = files.handle(request);
  return { response, started, finish: () => deliver(new Uint8Array([1, 2, 3])) };
}

const parsed = async (r: Promise<FileResponse>) => {
  const { status, body } = await r;
  return { status, body: JSON.parse(String(body)) as { code?: string; details?: unknown } };
};

describe('concurrent uploads', () => {
  test('one unfinished upload more than maxUploadsPerUser is refused with 429 before its body is read; a finished one frees a slot', async () => {
    const files = fileServer({ maxUploadsPerUser: 3, maxUploads: 10 });
    const open = ['a', 'b', 'c'].map((id) => upload(files, { id, user: 'mallory' }));
    await Promise.all(open.map((u) => u.started));
    const extra = upload(files, { id: 'd', user: 'mallory' });
    expect(await parsed(extra.response)).toEqual({
      status: 429,
      body: expect.objectContaining({ code: ErrorCode.SERVER_LIMIT_EXCEEDED, details: { limit: 'uploadsPerUser', max: 3 } }),
    });
    // Another user is not held up by mallory's uploads.
    const other = upload(files, { id: 'e', user: 'ada' });
    await other.started;
    other.finish();
    expect((await other.response).status).toBe(201);
    open[0]!.finish();
    expect((await open[0]!.response).status).toBe(201);
    const again = upload(files, { id: 'd', user: 'mallory' });
    await again.started;
    again.finish();
    expect((await again.response).status).toBe(201);
  });

  test('past maxUploads in all, the next upload of any user is refused with 503', async () => {
    const files = fileServer({ maxUploadsPerUser: 2, maxUploads: 4 });
    const open = [1, 2, 3, 4].map((i) => upload(files, { id: `f${i}`, user: `user-${i}` }));
    await Promise.all(open.map((u) => u.started));
    expect(await parsed(upload(files, { id: 'f5', user: 'user-5' }).response)).toMatchObject({ status: 503, body: { details: { limit: 'uploads', max: 4 } } });
    for (const u of open) u.finish();
    expect((await Promise.all(open.map((u) => u.response))).map((r) => r.status)).toEqual([201, 201, 201, 201]);
    const next = upload(files, { id: 'f5', user: 'user-5' });
    next.finish();
    expect((await next.response).status).toBe(201);
  });

  test('a refused or failed upload gives its slot back', async () => {
    const files = fileServer({ maxUploadsPerUser: 1, maxUploads: 1 });
    const failing: FileRequest = { method: 'PUT', library: 'lib', id: 'x', authorization: 'Bearer write:lib:ada', readBody: () => Promise.reject(new Error('connection reset')) };
    expect((await files.handle(failing)).status).toBe(500);
    const ok = upload(files, { id: 'y', user: 'ada' });
    ok.finish();
    expect((await ok.response).status).toBe(201);
  });
});

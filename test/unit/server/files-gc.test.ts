import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import { applyOps, emptyDocState } from '../../../src/merge/index.js';
import { createFileServer, createTokenProvider, migrate } from '../../../src/server/core/index.js';
import type { FileStorage } from '../../../src/server/core/index.js';
import { writeBaseline } from '../../../src/server/core/baselines.js';
import { ensureLibrary } from '../../../src/server/core/libraries.js';
import { insertOp } from '../../../src/server/core/op-log.js';
import { createSqliteStorage } from '../../../src/server/node/sqlite-storage.js';
import { wireOp } from '../../helpers/wire-ops.js';

function memoryStorage(): FileStorage & { keys(): string[] } {
  const files = new Map<string, Uint8Array>();
  const key = (o: { library: string; id: string }) => `${o.library}/${o.id}`;
  return {
    put: async (o) => void files.set(key(o), o.bytes),
    get: async (o) => files.get(key(o)),
    delete: async (o) => void files.delete(key(o)),
    list: async (library) => [...files].filter(([k]) => k.startsWith(`${library}/`)).map(([k, v]) => ({ id: k.slice(library.length + 1), size: v.length })),
    keys: () => [...files.keys()].sort(),
  };
}

const ref = (id: string) => ({ id, name: `${id}.txt`, type: 'text/plain', size: 1 });

function setup() {
  const sql = createSqliteStorage(new Database(':memory:'));
  migrate(sql);
  const storage = memoryStorage();
  const clock = { now: 1_000 };
  const tokens = createTokenProvider({ secret: 'gc-secret', now: () => clock.now });
  const files = createFileServer({ sql, storage, now: () => clock.now, verifyToken: tokens.verify, graceMs: 100, maxFileSize: 10 });
  return { sql, storage, clock, files, tokens };
}

describe('file collection', () => {
  test('keeps files a baseline document or a logged op refers to; deletes the others one grace after first seen unreferenced', async () => {
    const { sql, storage, clock, files } = setup();
    ensureLibrary(sql, { library: 'lib', epoch: 'e', now: 0 });
    // A baseline whose put held `old`, then a set replaced it by `inBaseline`: only the document counts.
    const put = wireOp({ replicaId: 'A', seq: 1, id: 'd1', change: { kind: 'put', value: { image: ref('old') } } });
    const set = wireOp({ replicaId: 'A', seq: 2, ms: 200, id: 'd1', change: { kind: 'set', path: ['image'], value: ref('inBaseline') } });
    writeBaseline(sql, { library: 'lib', collection: 'photos', id: 'd1', state: applyOps(emptyDocState, [put, set]) });
    insertOp(sql, { library: 'lib', entry: { serverSeq: 3, op: wireOp({ replicaId: 'A', seq: 3, ms: 300, id: 'd2', change: { kind: 'put', value: { image: ref('inOp') } } }) } });
    for (const id of ['old', 'inBaseline', 'inOp', 'orphan']) await storage.put({ library: 'lib', id, bytes: new Uint8Array([1]) });
    await storage.put({ library: 'evicted', id: 'left', bytes: new Uint8Array([1]) });

    expect(await files.collect()).toEqual([{ library: 'lib', deleted: [] }]);
    expect(await files.collect('evicted')).toEqual([{ library: 'evicted', deleted: [] }]);
    clock.now += 99;
    expect((await files.collect()).flatMap((r) => r.deleted)).toEqual([]);
    clock.now += 1;
    const deleted = (await files.collect()).flatMap((r) => r.deleted).sort();
    expect(deleted).toEqual(['left', 'old', 'orphan']);
    expect(storage.keys()).toEqual(['lib/inBaseline', 'lib/inOp']);
  });

  test('a file referenced again within the grace is kept, and its clock starts over', async () => {
    const { sql, storage, clock, files } = setup();
    ensureLibrary(sql, { library: 'lib', epoch: 'e', now: 0 });
    await storage.put({ library: 'lib', id: 'back', bytes: new Uint8Array([1]) });
    await files.collect();
    clock.now += 50;
    insertOp(sql, { library: 'lib', entry: { serverSeq: 1, op: wireOp({ replicaId: 'A', seq: 1, id: 'd', change: { kind: 'put', value: { f: ref('back') } } }) } });
    await files.collect();
    sql.exec('DELETE FROM ops');
    clock.now += 60;
    expect((await files.collect())[0]!.deleted).toEqual([]);
    clock.now += 100;
    expect((await files.collect())[0]!.deleted).toEqual(['back']);
  });

  test('answers with typed errors and stores nothing on a refusal', async () => {
    const { storage, files, tokens } = setup();
    const bearer = `Bearer ${await tokens.issue({ library: 'lib', user: 'u', role: 'write', expiresIn: '1h' })}`;
    const request = (o: { method?: string; id?: string; body?: Uint8Array; length?: number }) =>
      files.handle({
        method: o.method ?? 'PUT',
        library: 'lib',
        id: o.id ?? 'f',
        authorization: bearer,
        contentLength: o.length,
        readBody: async (limit) => {
          if ((o.body?.length ?? 0) > limit) throw new Error('read past the limit');
          return o.body ?? new Uint8Array();
        },
      });
    const code = async (response: Promise<{ status: number; body: Uint8Array | string }>) => {
      const { status, body } = await response;
      return [status, JSON.parse(body as string).code];
    };
    expect(await code(request({ length: 11, body: new Uint8Array(11) }))).toEqual([413, 'FILE_TOO_LARGE']);
    expect(await code(request({ method: 'DELETE' }))).toEqual([405, 'INVALID_ARGUMENT']);
    expect(await code(request({ id: '../x' }))).toEqual([400, 'FILE_INVALID']);
    expect(await code(request({ method: 'GET' }))).toEqual([404, 'FILE_NOT_FOUND']);
    // A reader that fails (a broken stream) is a 500 without internals.
    expect(await code(request({ body: new Uint8Array(11) }))).toEqual([500, 'SERVER_INTERNAL']);
    expect(storage.keys()).toEqual([]);
    expect((await request({ body: new Uint8Array(10) })).status).toBe(201);
    expect(storage.keys()).toEqual(['lib/f']);
  });
});

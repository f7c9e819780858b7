/**
 * Files against both real servers (Node: a files directory; Cloudflare under
 * miniflare: an R2 bucket), over HTTP, with real clients (fake-indexeddb
 * stores + createSync over `ws`).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filter, firstValueFrom, timeout, type Observable } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createStore, ErrorCode, type Store } from 'trellis';
import { createTokenProvider } from 'trellis/server';
import { createNodeServer, type NodeServer } from 'trellis/server/node';
import { files } from 'trellis/files';
import { createSync, type Sync, type SyncState } from 'trellis/sync';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { fileSchema } from '../helpers/file-schema.js';
import { startMiniflare } from '../helpers/miniflare-server.js';
import { getStoreHost } from '../../src/store/index.js';

const SECRET = 'files-test-secret-0123456789abcdef';
type PhotoStore = Store<typeof fileSchema.definition>;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Server {
  readonly name: 'node' | 'cloudflare';
  readonly clock: { now: number };
  url(): string;
  /** `http://…/parties/trellis/<library>/files/<id>`. */
  fileUrl(library: string, id: string): string;
  token(library: string, role?: 'read' | 'write'): Promise<string>;
  compact(library: string): Promise<{ horizon: number }>;
  collectFiles(library: string): Promise<string[]>;
  /** Drops the library's history (its files start their grace); the next replica back seeds it. */
  evict(library: string): Promise<void>;
  /** The file ids in the server's storage (every library). */
  storedFiles(): Promise<string[]>;
  advance(ms: number): Promise<void>;
  stop(): Promise<void>;
  /** Starts again on the same port, database and files. */
  start(): Promise<void>;
}

interface FileLimits {
  readonly maxFileSize?: number;
  readonly graceMs?: number;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-files-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function startNode(limits: FileLimits = {}): Promise<Server> {
  const dir = tempDir();
  const clock = { now: Date.now() };
  const open = (port: number) =>
    createNodeServer({
      port,
      dbPath: join(dir, 'db.sqlite'),
      filesDir: join(dir, 'files'),
      secret: SECRET,
      compactIntervalMs: 0,
      now: () => clock.now,
      ...(limits.maxFileSize === undefined ? {} : { maxFileSize: limits.maxFileSize }),
      ...(limits.graceMs === undefined ? {} : { fileGraceMs: limits.graceMs }),
    });
  let node: NodeServer = await open(0);
  let running = true;
  const server: Server = {
    name: 'node',
    clock,
    url: () => node.url,
    fileUrl: (library, id) => `${node.url.replace(/^ws/, 'http')}/${library}/files/${id}`,
    token: (library, role = 'write') => node.tokens.issue({ library, user: 'ada', role, expiresIn: '1h' }),
    compact: async (library) => node.compact(library)[0] as { horizon: number },
    collectFiles: async (library) => (await node.collectFiles(library))[0]?.deleted ?? [],
    evict: async (library) => node.evict(library),
    storedFiles: async () => {
      try {
        return readdirSync(join(dir, 'files'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
      } catch {
        return [];
      }
    },
    advance: async (ms) => void (clock.now += ms),
    stop: async () => {
      if (running) await node.close();
      running = false;
    },
    start: async () => {
      node = await open(node.port);
      running = true;
    },
  };
  cleanups.push(() => server.stop());
  return server;
}

async function startCloudflare(limits: FileLimits = {}): Promise<Server> {
  const clock = { now: Date.now() };
  const options = {
    persistDir: tempDir(),
    bindings: {
      TRELLIS_SECRET: SECRET,
      TRELLIS_COMPACT_INTERVAL: '0s',
      ...(limits.maxFileSize === undefined ? {} : { TRELLIS_MAX_FILE_SIZE: String(limits.maxFileSize) }),
      ...(limits.graceMs === undefined ? {} : { TRELLIS_FILE_GRACE: `${limits.graceMs / 1000}s` }),
    },
  };
  let running: Awaited<ReturnType<typeof startMiniflare>> | undefined = await startMiniflare(options);
  const origin = running.origin;
  const control = async <T>(path: string, body: Record<string, unknown> = {}): Promise<T> => {
    const response = await fetch(`${origin}/__test/${path}`, { method: 'POST', body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`/__test/${path}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  await control('clock', { now: clock.now });
  const tokens = createTokenProvider({ secret: SECRET, now: () => clock.now });
  const server: Server = {
    name: 'cloudflare',
    clock,
    url: () => `${origin.replace(/^http/, 'ws')}/parties/trellis`,
    fileUrl: (library, id) => `${origin}/parties/trellis/${library}/files/${id}`,
    token: (library, role = 'write') => tokens.issue({ library, user: 'ada', role, expiresIn: '1h' }),
    compact: async (library) => (await control<{ horizon: number }[]>('compact', { library }))[0] as { horizon: number },
    collectFiles: (library) => control('collect-files', { library }),
    evict: async (library) => void (await control('evict', { library })),
    storedFiles: async () => (await (await running!.mf.getR2Bucket('TRELLIS_FILES')).list()).objects.map((o) => o.key.slice(o.key.indexOf('/') + 1)),
    advance: async (ms) => {
      clock.now += ms;
      await control('clock', { now: clock.now });
    },
    stop: async () => {
      await running?.mf.dispose();
      running = undefined;
    },
    start: async () => {
      running = await startMiniflare({ ...options, port: Number(new URL(origin).port) });
      await control('clock', { now: clock.now });
    },
  };
  cleanups.push(() => server.stop());
  return server;
}

const selected = (process.env.TRELLIS_TEST_SERVERS ?? 'node,cloudflare').split(',');
const servers = [
  { name: 'node', start: startNode },
  { name: 'cloudflare', start: startCloudflare },
].filter((factory) => selected.includes(factory.name));

interface Replica {
  readonly store: PhotoStore;
  sync: Sync;
  waitFor(predicate: (state: SyncState) => boolean): Promise<SyncState>;
  /** Stops sync and connects again (its hello and catch-up send the cursor that lets the horizon reach the head). */
  reconnect(): Promise<void>;
}

/** A replica with the files() plugin (`withFiles: false`: without it). */
async function openReplica(server: Server, library: string, role: 'read' | 'write' = 'write', o: { withFiles?: boolean } = {}): Promise<Replica> {
  const store = await createStore({ name: `files-${Math.random()}`, schema: fileSchema, indexedDB: new IDBFactory(), IDBKeyRange, now: () => server.clock.now, plugins: [files()] });
  const plugins = o.withFiles === false ? [] : [files()];
  const connect = () => createSync(store, { url: server.url(), library, getToken: () => server.token(library, role), WebSocket, plugins });
  const replica: Replica = {
    store,
    sync: connect(),
    waitFor: (predicate) => eventually(replica.sync.state, predicate),
    reconnect: async () => {
      await replica.sync.stop();
      replica.sync = connect();
      await replica.waitFor((s) => s.phase === 'live');
    },
  };
  cleanups.push(() => store.close(), () => replica.sync.stop());
  return replica;
}

/** The first value satisfying `predicate` (10 s safety net, not a timing assertion). */
function eventually<T>(observable: Observable<T>, predicate: (value: T) => boolean): Promise<T> {
  return firstValueFrom(observable.pipe(filter(predicate), timeout(10_000)));
}

const photo = (replica: Replica, id = 'p') => replica.store.collection('photos').get(id);
const bytes = (n: number, seed = 1): Uint8Array<ArrayBuffer> => {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) % 256;
  return out;
};
const fileOf = (data: Uint8Array<ArrayBuffer>, name = 'photo.png') => new File([data], name, { type: 'image/png' });

describe.each(servers)('files ($name)', ({ start: startServer }) => {
  it('replica A puts a file; B sees the document and downloads the same bytes on first use', async () => {
    const server = await startServer();
    const a = await openReplica(server, 'lib');
    const data = bytes(70_000);
    await a.store.collection('photos').put({ id: 'p', caption: 'Cat', image: fileOf(data) });
    await eventually(photo(a), (doc) => doc?.image.state === 'uploaded');

    const b = await openReplica(server, 'lib');
    const seen = await eventually(photo(b), (doc) => doc !== undefined);
    expect(seen!.image).toMatchObject({ name: 'photo.png', type: 'image/png', size: data.length, state: 'missing' });
    const blob = await seen!.image.blob();
    expect(new Uint8Array(await blob.arrayBuffer())).toEqual(data);
    expect(blob.type).toBe('image/png');
    expect(await seen!.image.url()).toMatch(/^blob:/);
    // Downloaded once, then kept locally.
    await eventually(photo(b), (doc) => doc?.image.state === 'uploaded');
  });

  it('without the files() plugin, bytes stay on the replica that wrote them: the document syncs, the other replica cannot download', async () => {
    const server = await startServer();
    const a = await openReplica(server, 'lib', 'write', { withFiles: false });
    await a.store.collection('photos').put({ id: 'p', caption: 'Cat', image: fileOf(bytes(1000)) });
    await a.sync.flushed();
    const b = await openReplica(server, 'lib', 'write', { withFiles: false });
    const seen = await eventually(photo(b), (doc) => doc !== undefined);
    expect(seen!.image.state).toBe('missing');
    await expect(seen!.image.blob()).rejects.toMatchObject({ code: ErrorCode.FILE_NOT_FOUND });
    // Nothing went up: A's file is still local, and the server holds no file.
    expect((await firstValueFrom(photo(a)))!.image.state).toBe('local');
    expect(await server.storedFiles()).toEqual([]);
  });

  it('a file put while the server is down uploads once it is back', async () => {
    const server = await startServer();
    const a = await openReplica(server, 'lib');
    await a.waitFor((s) => s.phase === 'live');
    await server.stop();
    await a.waitFor((s) => s.phase !== 'live');
    const data = bytes(5000, 7);
    await a.store.collection('photos').put({ id: 'p', image: fileOf(data) });
    expect((await firstValueFrom(photo(a)))!.image.state).toBe('local');

    await server.start();
    await eventually(photo(a), (doc) => doc?.image.state === 'uploaded');
    const b = await openReplica(server, 'lib');
    const seen = await eventually(photo(b), (doc) => doc !== undefined);
    expect(new Uint8Array(await (await seen!.image.blob()).arrayBuffer())).toEqual(data);
  });

  it('an upload cut off by a crash (left `uploading`) is sent again when sync starts', async () => {
    const server = await startServer();
    const a = await openReplica(server, 'lib');
    await a.sync.stop();
    await a.store.collection('photos').put({ id: 'p', image: fileOf(bytes(3000, 9)) });
    const { image } = (await firstValueFrom(photo(a)))!;
    const fileHost = getStoreHost(a.store).files;
    if (fileHost === undefined) throw new Error('the store was opened with files(): it has file support');
    await fileHost.setState(image.id, 'uploading');
    await a.reconnect();
    await eventually(photo(a), (doc) => doc?.image.state === 'uploaded');
    expect(await server.storedFiles()).toEqual([image.id]);
  });

  it('a file over the size limit is refused with FILE_TOO_LARGE and nothing is stored', async () => {
    const server = await startServer({ maxFileSize: 1000 });
    const a = await openReplica(server, 'lib');
    await a.store.collection('photos').put({ id: 'small', image: fileOf(bytes(1000)) });
    await a.store.collection('photos').put({ id: 'big', image: fileOf(bytes(1001)) });
    const state = await a.waitFor((s) => s.error?.code === 'FILE_TOO_LARGE');
    expect(state.error?.message).toMatch(/limit of 1000 bytes/);
    const big = await eventually(photo(a, 'big'), (doc) => doc?.image.state === 'rejected');
    await eventually(photo(a, 'small'), (doc) => doc?.image.state === 'uploaded');
    expect(await server.storedFiles()).toEqual([(await firstValueFrom(photo(a, 'small')))!.image.id]);
    // The rejected file stays readable here, and the document synced.
    expect((await big!.image.blob()).size).toBe(1001);

    const response = await fetch(server.fileUrl('lib', 'direct'), {
      method: 'PUT',
      body: bytes(4000),
      headers: { authorization: `Bearer ${await server.token('lib')}` },
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ code: 'FILE_TOO_LARGE' });
    expect(await server.storedFiles()).toHaveLength(1);
  });

  it('refuses missing, wrong-library and read-only tokens and bad ids, and keeps serving', async () => {
    const server = await startServer();
    const put = async (id: string, authorization?: string) => {
      const response = await fetch(server.fileUrl('lib', id), { method: 'PUT', body: 'hello', headers: authorization ? { authorization } : {} });
      return { status: response.status, code: ((await response.json()) as { code?: string }).code };
    };
    const write = `Bearer ${await server.token('lib')}`;
    expect(await put('f1')).toEqual({ status: 401, code: 'AUTH_TOKEN_MISSING' });
    expect(await put('f1', 'Bearer not-a-jwt')).toMatchObject({ status: 401 });
    expect(await put('f1', `Bearer ${await server.token('other')}`)).toEqual({ status: 403, code: 'AUTH_WRONG_LIBRARY' });
    expect(await put('f1', `Bearer ${await server.token('lib', 'read')}`)).toEqual({ status: 403, code: 'AUTH_FORBIDDEN' });
    expect(await put('%2E%2E%2Fx', write)).toEqual({ status: 400, code: 'FILE_INVALID' });
    expect(await put('a.b', write)).toEqual({ status: 400, code: 'FILE_INVALID' });
    expect(await put('..%2F..%2Fescape', write)).toEqual({ status: 400, code: 'FILE_INVALID' });
    expect(await server.storedFiles()).toEqual([]);

    expect(await put('f1', write)).toEqual({ status: 201, code: undefined });
    const read = await fetch(server.fileUrl('lib', 'f1'), { headers: { authorization: `Bearer ${await server.token('lib', 'read')}` } });
    expect(await read.text()).toBe('hello');
    const wrong = await fetch(server.fileUrl('other', 'f1'), { headers: { authorization: `Bearer ${await server.token('other', 'read')}` } });
    expect(wrong.status).toBe(404);
  });

  it('files collected after an eviction are uploaded again by the replica that restores the library, and others download them', async () => {
    const grace = 60_000;
    const server = await startServer({ graceMs: grace });
    const a = await openReplica(server, 'lib');
    await a.store.collection('photos').put({ id: 'p', image: fileOf(bytes(100, 7)) });
    const id = (await eventually(photo(a), (doc) => doc?.image.state === 'uploaded'))!.image.id;
    await a.waitFor((s) => s.phase === 'live' && s.pending === 0);
    await a.sync.stop();

    // Evicted, and nobody comes back within the grace period: the file is collected.
    await server.evict('lib');
    await server.collectFiles('lib');
    await server.advance(grace);
    expect(await server.collectFiles('lib')).toEqual([id]);
    expect(await server.storedFiles()).toEqual([]);

    // A restores the library (accept + seed): the server lacks the file it references, so A uploads it again.
    await a.reconnect();
    await expect.poll(() => server.storedFiles(), { timeout: 10_000 }).toEqual([id]);
    const b = await openReplica(server, 'lib');
    const seen = await eventually(photo(b), (doc) => doc !== undefined);
    expect(new Uint8Array(await (await seen!.image.blob()).arrayBuffer())).toEqual(bytes(100, 7));
  });

  it('a replica reset into a library restored after an eviction uploads again the files only it still holds', async () => {
    const grace = 60_000;
    const server = await startServer({ graceMs: grace });
    const a = await openReplica(server, 'lib');
    const b = await openReplica(server, 'lib');
    await b.store.collection('photos').put({ id: 'p', image: fileOf(bytes(64, 9)) });
    const id = (await eventually(photo(b), (doc) => doc?.image.state === 'uploaded'))!.image.id;
    await b.waitFor((s) => s.phase === 'live' && s.pending === 0);
    // A holds the document, not the bytes: it never opened the file.
    expect((await eventually(photo(a), (doc) => doc !== undefined))!.image.state).toBe('missing');
    await a.sync.stop();
    await b.sync.stop();
    await server.evict('lib');
    await server.collectFiles('lib');
    await server.advance(grace);
    expect(await server.collectFiles('lib')).toEqual([id]);

    // A restores the library without the bytes; B is reset into it (library-reset) and uploads them again.
    await a.reconnect();
    await b.reconnect();
    await expect.poll(() => server.storedFiles(), { timeout: 10_000 }).toEqual([id]);
    const c = await openReplica(server, 'lib');
    const seen = await eventually(photo(c), (doc) => doc !== undefined);
    expect(new Uint8Array(await (await seen!.image.blob()).arrayBuffer())).toEqual(bytes(64, 9));
  });

  it('a read-only replica cannot restore a lost file: told AUTH_FORBIDDEN, it keeps the file as uploaded and does not retry', async () => {
    const grace = 60_000;
    const server = await startServer({ graceMs: grace });
    const writer = await openReplica(server, 'lib');
    const holder = await openReplica(server, 'lib');
    const reader = await openReplica(server, 'lib', 'read');
    await writer.store.collection('photos').put({ id: 'p', image: fileOf(bytes(32, 3)) });
    await eventually(photo(writer), (doc) => doc?.image.state === 'uploaded');
    await eventually(photo(holder), (doc) => doc !== undefined);
    // The reader downloads the bytes (its row: uploaded); the holder keeps only the document.
    await (await eventually(photo(reader), (doc) => doc !== undefined))!.image.blob();
    for (const replica of [writer, holder, reader]) await replica.sync.stop();
    await server.evict('lib');
    await server.collectFiles('lib');
    await server.advance(grace);
    expect(await server.collectFiles('lib')).toHaveLength(1);

    await holder.reconnect();
    await reader.reconnect();
    await reader.waitFor((s) => s.error?.code === 'AUTH_FORBIDDEN');
    // Set back after the refusal (a retried row would be `local`, then `uploading`).
    await eventually(photo(reader), (doc) => doc?.image.state === 'uploaded');
    expect(await server.storedFiles()).toEqual([]);
  });

  it('answers every refused upload with its error and status, never with a dropped connection', async () => {
    // A refusal is answered before the body is read; workerd used to drop such a connection in some runs (ECONNRESET).
    const server = await startServer({ maxFileSize: 1000 });
    const write = `Bearer ${await server.token('lib')}`;
    const put = async (o: { authorization?: string; size: number; streamed?: boolean }) => {
      const headers: Record<string, string> = o.authorization === undefined ? {} : { authorization: o.authorization };
      // Streamed: no Content-Length, so the server refuses it only once it has read past the limit.
      const body = o.streamed === true ? new Blob([bytes(o.size)]).stream() : bytes(o.size);
      const response = await fetch(server.fileUrl('lib', 'f1'), { method: 'PUT', body, headers, duplex: 'half' } as RequestInit);
      return `${response.status} ${((await response.json()) as { code?: string }).code}`;
    };
    const requests = [{ authorization: 'Bearer not-a-jwt', size: 5 }, { size: 5 }, { authorization: write, size: 4000 }, { authorization: write, size: 200_000, streamed: true }];
    const answers = new Map<string, number>();
    for (let i = 0; i < 100; i++) {
      for (const request of requests) {
        const answer = await put(request).catch((err: unknown) => `dropped: ${String((err as Error).cause ?? err)}`);
        answers.set(answer, (answers.get(answer) ?? 0) + 1);
      }
    }
    expect(Object.fromEntries(answers)).toEqual({ '401 AUTH_TOKEN_MISSING': 200, '413 FILE_TOO_LARGE': 200 });
    expect(await server.storedFiles()).toEqual([]);
  });

  it('collects files unreferenced after compaction once the grace period passed, and keeps referenced ones', async () => {
    const grace = 60_000;
    const server = await startServer({ graceMs: grace });
    const a = await openReplica(server, 'lib');
    const photos = a.store.collection('photos');
    await photos.put({ id: 'kept', image: fileOf(bytes(10, 1)) });
    await photos.put({ id: 'dropped', image: fileOf(bytes(10, 2)) });
    await photos.put({ id: 'replaced', image: fileOf(bytes(10, 3)) });
    const kept = (await firstValueFrom(photo(a, 'kept')))!.image.id;
    const dropped = (await firstValueFrom(photo(a, 'dropped')))!.image.id;
    const replaced = (await firstValueFrom(photo(a, 'replaced')))!.image.id;
    await photos.delete('dropped');
    await photos.update('replaced', { image: fileOf(bytes(10, 4)) });
    const current = (await firstValueFrom(photo(a, 'replaced')))!.image.id;
    await eventually(photos.find(), (docs) => docs.every((doc) => doc.image.state === 'uploaded'));
    await a.waitFor((s) => s.phase === 'live' && s.pending === 0);
    // The dropped document's file uploads too: its row stays pending whatever the documents say.
    await expect.poll(async () => (await server.storedFiles()).length, { timeout: 10_000 }).toBe(4);

    // Before compaction the ops still reference every file.
    await server.collectFiles('lib');
    await server.advance(grace);
    expect(await server.collectFiles('lib')).toEqual([]);

    // The horizon reaches the head once the replica's cursor covers its last op.
    await a.reconnect();
    await expect.poll(async () => (await server.compact('lib')).horizon, { timeout: 10_000 }).toBe(5);
    expect(await server.collectFiles('lib')).toEqual([]);
    await server.advance(grace - 1);
    expect(await server.collectFiles('lib')).toEqual([]);
    await server.advance(1);
    expect((await server.collectFiles('lib')).sort()).toEqual([dropped, replaced].sort());
    expect((await server.storedFiles()).sort()).toEqual([kept, current].sort());

    const b = await openReplica(server, 'lib');
    const seen = await eventually(photo(b, 'kept'), (doc) => doc !== undefined);
    expect(new Uint8Array(await (await seen!.image.blob()).arrayBuffer())).toEqual(bytes(10, 1));
  });
});

/**
 * createTrellisHandler mounted under a path of an app's own server: Express
 * and Hono (@hono/node-server), real servers on 127.0.0.1. Two replicas sync
 * through the mount, the app's own routes still answer, files work under the
 * mount, and upgrades on other paths stay the app's.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import express from 'express';
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import type { HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { describe, expect, onTestFinished, test } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { createNodeServer, createTrellisHandler } from 'trellis/server/node';
import type { TrellisHandler } from 'trellis/server/node';
import { CloseCode } from '../../src/protocol/index.js';
import { openClient } from '../helpers/protocol-client.js';
import { TEST_SECRET, tempDir } from '../helpers/start-test-server.js';
import { wireOps } from '../helpers/wire-ops.js';

const BASE = '/api/sync';

interface Mounted {
  readonly origin: string;
  readonly trellis: TrellisHandler;
  readonly http: Server;
}

function handler(): TrellisHandler {
  const dir = tempDir();
  const trellis = createTrellisHandler({ basePath: BASE, dbPath: join(dir, 'trellis.sqlite'), filesDir: join(dir, 'files'), secret: TEST_SECRET, compactIntervalMs: 0 });
  onTestFinished(() => trellis.close());
  return trellis;
}

async function listening(http: Server): Promise<string> {
  if (!http.listening) await new Promise<void>((resolve) => http.once('listening', () => resolve()));
  onTestFinished(() => new Promise<void>((resolve) => http.close(() => resolve())).then(() => undefined));
  onTestFinished(() => http.closeAllConnections());
  return `127.0.0.1:${(http.address() as AddressInfo).port}`;
}

async function mountExpress(): Promise<Mounted> {
  const trellis = handler();
  const app = express();
  app.get('/hello', (_req, res) => void res.json({ from: 'express' }));
  app.use(trellis.request);
  app.use((_req, res) => void res.status(404).json({ from: 'express', error: 'not found' }));
  const http = createServer(app).listen(0, '127.0.0.1');
  http.on('upgrade', trellis.upgrade);
  return { origin: await listening(http), trellis, http };
}

async function mountHono(): Promise<Mounted> {
  const trellis = handler();
  const app = new Hono<{ Bindings: HttpBindings }>();
  app.get('/hello', (c) => c.json({ from: 'hono' }));
  app.all(`${BASE}/*`, (c) => {
    trellis.request(c.env.incoming, c.env.outgoing);
    return RESPONSE_ALREADY_SENT;
  });
  const http = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
  http.on('upgrade', trellis.upgrade);
  return { origin: await listening(http), trellis, http };
}

const apps = [
  { name: 'Express', mount: mountExpress, app: 'express' },
  { name: 'Hono', mount: mountHono, app: 'hono' },
];

describe.each(apps)('createTrellisHandler under $name', ({ mount, app }) => {
  test('two replicas sync through the mount, and the app keeps its own routes', async () => {
    const { origin, trellis } = await mount();
    const url = `ws://${origin}${BASE}`;
    const token = () => trellis.tokens.issue({ library: 'team', user: 'ada', role: 'write', expiresIn: '1h' });
    const a = await openClient({ url, library: 'team', token: await token() });
    await a.hello({ replicaId: 'A', localSeq: 1, atRisk: 1 });
    a.send({ type: 'seed', baselines: [], ops: wireOps('A', 1, 1), done: true });
    await a.next('synced');
    const b = await openClient({ url, library: 'team', token: await token() });
    await b.hello({ replicaId: 'B' });
    b.send({ type: 'join', replicaId: 'B2' });
    await b.next('synced');
    a.send({ type: 'push', ops: wireOps('A', 2, 2) });
    expect((await b.next('ops')).ops).toEqual([{ serverSeq: 2, op: wireOps('A', 2, 2)[0] }]);
    const hello = await fetch(`http://${origin}/hello`);
    expect(await hello.json()).toEqual({ from: app });
    expect((await fetch(`http://${origin}${BASE}/health`)).status).toBe(200);
    const admin = await trellis.tokens.issue({ library: 'team', user: 'ops', role: 'admin', expiresIn: '1h' });
    const inspected = await fetch(`http://${origin}${BASE}/_admin/libraries/team`, { headers: { authorization: `Bearer ${admin}` } });
    expect(await inspected.json()).toMatchObject({ library: 'team', headSeq: 2, replicaCount: 2 });
  });

  test('files are stored and served under the mount', async () => {
    const { origin, trellis } = await mount();
    const token = await trellis.tokens.issue({ library: 'team', user: 'ada', role: 'write', expiresIn: '1h' });
    const file = `http://${origin}${BASE}/team/files/f1`;
    const put = await fetch(file, { method: 'PUT', body: 'bytes of f1', headers: { authorization: `Bearer ${token}` } });
    expect(put.status).toBe(201);
    const got = await fetch(file, { headers: { authorization: `Bearer ${token}` } });
    expect(await got.text()).toBe('bytes of f1');
    expect((await fetch(file)).status).toBe(401);
    // An admin token administers; it reads no library's data.
    const admin = await trellis.tokens.issue({ library: 'team', user: 'ops', role: 'admin', expiresIn: '1h' });
    const refused = await fetch(file, { headers: { authorization: `Bearer ${admin}` } });
    expect([refused.status, ((await refused.json()) as { code: string }).code]).toEqual([403, 'AUTH_FORBIDDEN']);
  });

  test('upgrades on other paths are left to the app', async () => {
    const { origin, http } = await mount();
    // The app's own WebSocket endpoint, on the same server, beside Trellis.
    const echo = new WebSocketServer({ noServer: true });
    onTestFinished(() => new Promise<void>((resolve) => echo.close(() => resolve())));
    http.on('upgrade', (req, socket, head) => {
      if (req.url === '/chat') echo.handleUpgrade(req, socket, head, (ws) => ws.on('message', (data) => ws.send(`echo ${data.toString()}`)));
    });
    const ws = new WebSocket(`ws://${origin}/chat`);
    onTestFinished(() => ws.terminate());
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send('hi');
    const reply = await new Promise<string>((resolve) => ws.once('message', (data) => resolve(data.toString())));
    expect(reply).toBe('echo hi');
  });

  test('a path under the mount that is not a library is refused with 404', async () => {
    const { origin } = await mount();
    await expect(openClient({ url: `ws://${origin}${BASE}/a`, library: 'b' })).rejects.toThrow(/404/);
  });
});

describe('createTrellisHandler options', () => {
  test('under Express after express.json(), an admin body the parser already read is still taken', async () => {
    const trellis = handler();
    const app = express();
    app.use(express.json());
    app.use(trellis.request);
    const http = createServer(app).listen(0, '127.0.0.1');
    const origin = await listening(http);
    const admin = await trellis.tokens.issue({ library: '*', user: 'ops', role: 'admin', expiresIn: '1h' });
    const evicted = await fetch(`http://${origin}${BASE}/_admin/libraries/team/evict`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ revokeTokens: true }),
    });
    // revokedTokens: true is only in the body express.json() consumed.
    expect(await evicted.json()).toEqual({ library: 'team', evicted: false, revokedTokens: true });
  });

  test.each(['/', '', 'sync', '/a?b', '/a b'])('basePath %j is refused with INVALID_ARGUMENT', (basePath) => {
    expect(() => createTrellisHandler({ basePath, dbPath: join(tempDir(), 'x.sqlite') })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  test('on a plain node:http server, request() says whether it answered so the app answers the rest', async () => {
    const trellis = handler();
    const http = createServer((req, res) => {
      if (!trellis.request(req, res)) res.writeHead(200).end('app');
    }).listen(0, '127.0.0.1');
    const origin = await listening(http);
    expect(await (await fetch(`http://${origin}/anything`)).text()).toBe('app');
    expect(await (await fetch(`http://${origin}${BASE}/health`)).json()).toMatchObject({ ok: true });
    // A path that only starts like the base path is not under it.
    expect(await (await fetch(`http://${origin}${BASE}x/health`)).text()).toBe('app');
  });
});

describe('createNodeServer on the handler', () => {
  test('evict(library, { revokeTokens }) closes the live sockets and refuses tokens issued before it', async () => {
    const dbPath = join(tempDir(), 'trellis.sqlite');
    const node = await createNodeServer({ port: 0, dbPath, secret: TEST_SECRET, compactIntervalMs: 0 });
    onTestFinished(() => node.close());
    // The admin CLI finds this server through the file beside its database.
    expect(JSON.parse(readFileSync(`${dbPath}-server.json`, 'utf8'))).toEqual({ pid: process.pid, url: `http://127.0.0.1:${node.port}/parties/trellis` });
    const token = await node.tokens.issue({ library: 'team', user: 'ada', role: 'write', expiresIn: '1h' });
    const a = await openClient({ url: node.url, library: 'team', token });
    await a.hello({ replicaId: 'A', localSeq: 1, atRisk: 1 });
    a.send({ type: 'seed', baselines: [], ops: wireOps('A', 1, 1), done: true });
    await a.next('synced');
    node.evict('team', { revokeTokens: true });
    expect((await a.closed).code).toBe(CloseCode.LIBRARY_EVICTED);
    expect(node.server.inspect('team')).toBeUndefined();
    const again = await openClient({ url: node.url, library: 'team', token });
    expect((await again.next('error')).code).toBe('AUTH_TOKEN_REVOKED');
  });
});

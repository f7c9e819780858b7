import { describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { openClient } from '../helpers/protocol-client.js';
import { startTestServer } from '../helpers/start-test-server.js';

const httpUrl = (wsUrl: string, path: string) => wsUrl.replace(/^ws:/, 'http:').replace(/\/parties\/trellis$/, path);

describe('http endpoints', () => {
  test('GET /health reports libraries and connections', async () => {
    const server = await startTestServer();
    const client = await server.connect('team');
    await client.hello({ replicaId: 'A' });
    const response = await fetch(httpUrl(server.url, '/health'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, libraries: 1, connections: 1 });
  });

  test('unknown paths are 404, for HTTP and for WebSocket upgrades', async () => {
    const server = await startTestServer();
    expect((await fetch(httpUrl(server.url, '/nope'))).status).toBe(404);
    await expect(openClient({ url: server.url.replace('/parties/trellis', '/elsewhere'), library: 'team' })).rejects.toThrow(/404/);
  });

  test('a library name with broken percent-encoding is a 404, and the server carries on', async () => {
    const server = await startTestServer();
    const ws = new WebSocket(`${server.url}/%E0%A4%A`);
    const status = await new Promise<number | undefined>((resolve) => {
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode));
      ws.once('error', () => resolve(undefined));
    });
    expect(status).toBe(404);
    expect((await fetch(httpUrl(server.url, '/health'))).status).toBe(200);
  });

  test('any party name is accepted in /parties/<party>/<library>', async () => {
    const server = await startTestServer();
    const token = await server.token({ library: 'team' });
    const client = await openClient({ url: server.url.replace('/trellis', '/my-party'), library: 'team', token });
    expect((await client.hello({ replicaId: 'A' })).decision).toBe('accept');
  });

  test('with a secret there is no dev token endpoint', async () => {
    const server = await startTestServer();
    expect((await fetch(httpUrl(server.url, '/dev/token?library=team'))).status).toBe(404);
  });

  test('without a secret the server warns and issues dev tokens that it accepts', async () => {
    const server = await startTestServer({ secret: undefined });
    expect(server.logs.some((l) => l.level === 'warn' && l.event === 'server.insecure')).toBe(true);
    const response = await fetch(httpUrl(server.url, '/dev/token?library=team&user=demo&role=read'));
    const { token } = (await response.json()) as { token: string };
    expect(await server.node.tokens.verify(token)).toMatchObject({ library: 'team', user: 'demo', role: 'read' });
    const client = await openClient({ url: server.url, library: 'team', token });
    expect((await client.hello({ replicaId: 'A' })).decision).toBe('resume');
    expect((await fetch(httpUrl(server.url, '/dev/token'))).status).toBe(400);
  });
});

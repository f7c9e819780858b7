import { describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { DEV_SECRET, createTokenProvider } from 'trellis/server';
import { openClient } from '../helpers/protocol-client.js';
import { servers } from '../helpers/servers.js';

describe.each(servers)('http endpoints ($name)', (factory) => {
  test('GET /health answers while a library is in use', async () => {
    const server = await factory.start();
    const client = await server.connect('team');
    await client.hello({ replicaId: 'A' });
    const response = await fetch(`${server.origin}/health`);
    expect(response.status).toBe(200);
    // Node counts what its one process holds; the Worker answers alone, without waking any library's object.
    expect(await response.json()).toEqual(server.name === 'node' ? { ok: true, libraries: 1, connections: 1 } : { ok: true });
  });

  test('unknown paths are 404, for HTTP and for WebSocket upgrades', async () => {
    const server = await factory.start();
    expect((await fetch(`${server.origin}/nope`)).status).toBe(404);
    expect((await fetch(`${server.url.replace(/^ws/, 'http')}/team`)).status).toBe(404);
    await expect(openClient({ url: server.url.replace('/parties/trellis', '/elsewhere'), library: 'team' })).rejects.toThrow(/404/);
  });

  test('a library name with broken percent-encoding is a 404, and the server carries on', async () => {
    const server = await factory.start();
    const ws = new WebSocket(`${server.url}/%E0%A4%A`);
    const status = await new Promise<number | undefined>((resolve) => {
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode));
      ws.once('error', () => resolve(undefined));
    });
    expect(status).toBe(404);
    expect((await fetch(`${server.origin}/health`)).status).toBe(200);
  });

  test('any party name is accepted in /parties/<party>/<library>', async () => {
    const server = await factory.start();
    const token = await server.token('team');
    const client = await openClient({ url: server.url.replace('/trellis', '/my-party'), library: 'team', token });
    expect((await client.hello({ replicaId: 'A' })).decision).toBe('accept');
  });

  test('a library name is URL-decoded, so the token names it as written', async () => {
    const server = await factory.start();
    const client = await server.connect('team 42/ü');
    expect((await client.hello({ replicaId: 'A' })).decision).toBe('accept');
  });

  test('with a secret there is no dev token endpoint', async () => {
    const server = await factory.start();
    expect((await fetch(`${server.origin}/dev/token?library=team`)).status).toBe(404);
  });

  test('without a secret the server warns and issues dev tokens that it accepts', async () => {
    const server = await factory.start({ secret: null });
    const response = await fetch(`${server.origin}/dev/token?library=team&user=demo&role=read`);
    const { token } = (await response.json()) as { token: string };
    expect((await server.logs()).some((l) => l.level === 'warn' && l.event === 'server.insecure')).toBe(true);
    expect(await createTokenProvider({ secret: DEV_SECRET }).verify(token)).toMatchObject({ library: 'team', user: 'demo', role: 'read' });
    const client = await openClient({ url: server.url, library: 'team', token });
    expect((await client.hello({ replicaId: 'A' })).decision).toBe('resume');
    expect((await fetch(`${server.origin}/dev/token`)).status).toBe(400);
  });
});

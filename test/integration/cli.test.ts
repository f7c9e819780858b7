import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildCli, runCli, startServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/start-test-server.js';
import { openClient } from '../helpers/protocol-client.js';
import { wireOp } from '../helpers/wire-ops.js';
import { createTokenProvider } from 'trellis/server';
import { formatTimestamp } from '../../src/core/index.js';

let cli: Awaited<ReturnType<typeof buildCli>>;

beforeAll(async () => {
  cli = await buildCli();
});
afterAll(() => cli?.remove());

describe('trellis-server CLI', () => {
  test('the bundled CLI starts with a shebang', async () => {
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(cli.cliPath, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  test('--help prints the usage and exits 0', async () => {
    const result = await runCli(cli.cliPath, ['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: trellis-server');
    expect(result.stdout).toContain('--secret');
  });

  test.each([[['--bogus']], [['--port', 'nine']], [['--truancy', 'forever']], [['extra']]])('%j exits 2 with a message on stderr', async (args) => {
    const result = await runCli(cli.cliPath, args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^trellis-server: .+\nRun trellis-server --help for usage\.\n$/);
    expect(result.stdout).toBe('');
  });

  test('starts, prints its URL and a client snippet, serves /health, logs JSON and stops cleanly on SIGTERM', async () => {
    const dbPath = join(tempDir(), 'trellis.sqlite');
    const server = await startServerProcess(cli.cliPath, ['--port', '0', '--db', dbPath, '--secret', 'cli-test-secret', '--truancy', '7d']);
    try {
      expect(server.url).toBe(`ws://127.0.0.1:${server.port}/parties/trellis`);
      const health = await fetch(`http://127.0.0.1:${server.port}/health`);
      expect(await health.json()).toEqual({ ok: true, libraries: 0, connections: 0 });
      expect(server.logs[0]).toMatchObject({ level: 'info', event: 'server.listening', port: server.port });
      await expect.poll(() => server.stderr()).toContain("from 'trellis/sync'");
      expect(server.stderr()).toContain(`listening on ${server.url}`);
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.logs.map((l) => l.event)).toContain('server.closed');
  });

  test('without a secret it warns loudly and serves dev tokens', async () => {
    const dbPath = join(tempDir(), 'trellis.sqlite');
    const server = await startServerProcess(cli.cliPath, ['--port', '0', '--db', dbPath]);
    try {
      await expect.poll(() => server.stderr()).toMatch(/WARNING: no --secret/);
      expect(server.logs.some((l) => l.level === 'warn' && l.event === 'server.insecure')).toBe(true);
      const response = await fetch(`http://127.0.0.1:${server.port}/dev/token?library=demo`);
      expect(response.status).toBe(200);
    } finally {
      server.child.kill('SIGINT');
    }
    expect((await server.exited).code).toBe(0);
  });

  test('a limit flag takes effect: with --max-clock-ahead 1h an op stamped 2 h ahead is refused, one stamped now is stored', async () => {
    const dbPath = join(tempDir(), 'trellis.sqlite');
    const secret = 'cli-limits-secret-0123456789abcdef';
    const server = await startServerProcess(cli.cliPath, ['--port', '0', '--db', dbPath, '--secret', secret, '--max-clock-ahead', '1h']);
    try {
      const token = await createTokenProvider({ secret }).issue({ library: 'clock', user: 'ada', role: 'write', expiresIn: '1h' });
      const client = await openClient({ url: server.url, library: 'clock', token });
      expect((await client.hello({ replicaId: 'A', localSeq: 1, atRisk: 1 })).decision).toBe('accept');
      const stamped = (ms: number) => ({ ...wireOp({ replicaId: 'A', seq: 1 }), ts: formatTimestamp({ ms, counter: 0 }) });
      client.send({ type: 'seed', baselines: [], ops: [stamped(Date.now() + 2 * 3_600_000)], done: true });
      expect(await client.next('error')).toMatchObject({ code: 'SERVER_CLOCK_AHEAD', details: { maxAheadMs: 3_600_000 } });
      client.send({ type: 'seed', baselines: [], ops: [stamped(Date.now())], done: true });
      expect(await client.next('synced')).toEqual({ type: 'synced', serverSeq: 1 });
      await client.close();
    } finally {
      server.child.kill('SIGTERM');
    }
    expect((await server.exited).code).toBe(0);
  });
});

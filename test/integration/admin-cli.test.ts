/**
 * `trellis-server inspect|evict|compact` as real child processes against a
 * real database file: with no server running (the file is opened directly),
 * with the server running (the command goes to its admin route, so an
 * eviction closes live sockets), and with a stale `<db>-server.json`.
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createNodeServer } from 'trellis/server/node';
import { CloseCode } from '../../src/protocol/index.js';
import { openClient } from '../helpers/protocol-client.js';
import type { ProtocolClient } from '../helpers/protocol-client.js';
import { buildCli, runCli, startServerProcess } from '../helpers/server-process.js';
import { TEST_SECRET, tempDir } from '../helpers/start-test-server.js';
import { wireOps } from '../helpers/wire-ops.js';
import { createTokenProvider } from 'trellis/server';

let cli: Awaited<ReturnType<typeof buildCli>>;

beforeAll(async () => {
  cli = await buildCli();
});
afterAll(() => cli?.remove());

const tokens = createTokenProvider({ secret: TEST_SECRET });
const writeToken = (library: string) => tokens.issue({ library, user: 'ada', role: 'write', expiresIn: '1h' });

/** A seeded library `team` (ops 1..3 of A) on `url`; the client stays connected. */
async function seed(url: string): Promise<ProtocolClient> {
  const a = await openClient({ url, library: 'team', token: await writeToken('team') });
  await a.hello({ replicaId: 'A', localSeq: 3, atRisk: 3 });
  a.send({ type: 'seed', baselines: [], ops: wireOps('A', 1, 3), done: true });
  await a.next('synced');
  return a;
}

/** A database file holding library `team`, written by a server that has stopped since. */
async function stoppedDatabase(o: { now?: () => number } = {}): Promise<string> {
  const dbPath = join(tempDir(), 'trellis.sqlite');
  const node = await createNodeServer({ port: 0, dbPath, secret: TEST_SECRET, compactIntervalMs: 0, ...o });
  expect(existsSync(`${dbPath}-server.json`)).toBe(true);
  const a = await seed(node.url);
  a.send({ type: 'cursor', serverSeq: 3 });
  await a.close();
  await node.close();
  expect(existsSync(`${dbPath}-server.json`)).toBe(false);
  return dbPath;
}

const json = (stdout: string) => JSON.parse(stdout) as Record<string, unknown>;

describe('trellis-server admin commands, no server running', () => {
  test('inspect, compact and evict open the file directly', async () => {
    const dbPath = await stoppedDatabase();
    const inspected = await runCli(cli.cliPath, ['inspect', 'team', '--db', dbPath]);
    expect(inspected.code).toBe(0);
    expect(json(inspected.stdout)).toMatchObject({ library: 'team', headSeq: 3, horizon: 0, ops: 3, documents: 3, replicaCount: 1 });
    expect((json(inspected.stdout).replicas as unknown[])[0]).toMatchObject({ replicaId: 'A', user: 'ada', seq: 3, truant: false, connected: false });
    const compacted = await runCli(cli.cliPath, ['compact', '--db', dbPath]);
    expect(json(compacted.stdout)).toEqual({ results: [{ library: 'team', horizon: 3, squashed: 3, more: false }] });
    const evicted = await runCli(cli.cliPath, ['evict', 'team', '--revoke-tokens', '--db', dbPath]);
    expect(json(evicted.stdout)).toEqual({ library: 'team', evicted: true, revokedTokens: true });
    const gone = await runCli(cli.cliPath, ['inspect', 'team', '--db', dbPath]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^trellis-server: ADMIN_LIBRARY_NOT_FOUND: /);
    expect(gone.stdout).toBe('');
  });

  test('the truancy window applies when the file is read directly', async () => {
    // The replica was last seen two days ago (by the server's clock then).
    const dbPath = await stoppedDatabase({ now: () => Date.now() - 2 * 24 * 3600 * 1000 });
    const truant = async (args: string[]) => (json((await runCli(cli.cliPath, ['inspect', 'team', '--db', dbPath, ...args])).stdout).replicas as { truant: boolean }[])[0]?.truant;
    expect(await truant(['--truancy', '1d'])).toBe(true);
    expect(await truant([])).toBe(false);
  });

  test('a stale <db>-server.json (its process gone) is ignored and the file opened', async () => {
    const dbPath = await stoppedDatabase();
    const gone = spawn(process.execPath, ['-e', '']);
    const pid = gone.pid as number;
    await new Promise((resolve) => gone.once('exit', resolve));
    writeFileSync(`${dbPath}-server.json`, JSON.stringify({ pid, url: 'http://127.0.0.1:9/parties/trellis' }));
    const inspected = await runCli(cli.cliPath, ['inspect', 'team', '--db', dbPath]);
    expect(inspected.code).toBe(0);
    expect(json(inspected.stdout)).toMatchObject({ library: 'team' });
  });

  test('a <db>-server.json whose process runs but does not answer stops the command', async () => {
    const dbPath = await stoppedDatabase();
    writeFileSync(`${dbPath}-server.json`, JSON.stringify({ pid: process.pid, url: 'http://127.0.0.1:9/parties/trellis' }));
    const result = await runCli(cli.cliPath, ['evict', 'team', '--db', dbPath]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`process ${process.pid}`);
    // Nothing was evicted.
    expect((await runCli(cli.cliPath, ['inspect', 'team', '--db', dbPath, '--url', 'http://127.0.0.1:9/parties/trellis'])).stderr).toMatch(/SYNC_UNREACHABLE/);
  });

  test('a missing database file is an error, and no file is created', async () => {
    const dbPath = join(tempDir(), 'nope.sqlite');
    const result = await runCli(cli.cliPath, ['inspect', 'team', '--db', dbPath]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/CLI_INVALID_FLAG: No database at/);
    expect(existsSync(dbPath)).toBe(false);
  });

  test.each([[['inspect']], [['evict']], [['evict', 'a', 'b']], [['inspect', 'a', '--revoke-tokens']], [['compact', '--bogus']], [['inspect', 'a', '--url', 'ftp://x']]])('%j exits 2', async (args) => {
    const result = await runCli(cli.cliPath, args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^trellis-server: .+\nRun trellis-server --help for usage\.\n$/);
  });

  test('--help lists the admin commands', async () => {
    expect((await runCli(cli.cliPath, ['--help'])).stdout).toContain('trellis-server evict <library> [--revoke-tokens]');
    expect((await runCli(cli.cliPath, ['inspect', '--help'])).code).toBe(0);
  });
});

describe('trellis-server admin commands, server running', () => {
  test('they reach the running server: inspect sees live replicas, evict closes their sockets', async () => {
    const dbPath = join(tempDir(), 'trellis.sqlite');
    const server = await startServerProcess(cli.cliPath, ['--port', '0', '--db', dbPath, '--secret', TEST_SECRET]);
    try {
      const a = await seed(server.url);
      const inspected = await runCli(cli.cliPath, ['inspect', 'team', '--db', dbPath, '--secret', TEST_SECRET]);
      expect(inspected.code).toBe(0);
      expect((json(inspected.stdout).replicas as unknown[])[0]).toMatchObject({ replicaId: 'A', connected: true });
      const wrong = await runCli(cli.cliPath, ['inspect', 'team', '--db', dbPath, '--secret', 'another-secret']);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(/^trellis-server: AUTH_TOKEN_INVALID: /);
      const evicted = await runCli(cli.cliPath, ['evict', 'team', '--db', dbPath, '--secret', TEST_SECRET]);
      expect(json(evicted.stdout)).toEqual({ library: 'team', evicted: true, revokedTokens: false });
      expect((await a.closed).code).toBe(CloseCode.LIBRARY_EVICTED);
      const compacted = await runCli(cli.cliPath, ['compact', '--url', server.url.replace(/^ws/, 'http'), '--secret', TEST_SECRET]);
      expect(json(compacted.stdout)).toEqual({ results: [] });
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(existsSync(`${dbPath}-server.json`)).toBe(false);
  });
});

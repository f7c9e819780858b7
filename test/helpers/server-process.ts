/**
 * The `trellis-server` CLI as a separate process, for tests that kill it.
 * The CLI is bundled once per test file with Vite's build API into
 * node_modules/.cache (so its bare imports resolve to this repo's
 * node_modules), then run with plain `node`: no TypeScript loader needed and
 * the real CLI entry, shebang included, is what runs.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Bundles src/server/node/cli.ts; returns the path of the runnable file and a cleanup. */
export async function buildCli(): Promise<{ cliPath: string; remove: () => void }> {
  const outDir = join(ROOT, 'node_modules', '.cache', `trellis-cli-${process.pid}-${Math.random().toString(36).slice(2)}`);
  await build({
    configFile: false,
    logLevel: 'silent',
    build: {
      outDir,
      emptyOutDir: true,
      minify: false,
      lib: { entry: { cli: join(ROOT, 'src/server/node/cli.ts') }, formats: ['es'] },
      rollupOptions: {
        external: (id) => !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('\0'),
        output: { banner: (chunk) => (chunk.isEntry ? '#!/usr/bin/env node' : '') },
      },
    },
  });
  return { cliPath: join(outDir, 'cli.js'), remove: () => rmSync(outDir, { recursive: true, force: true }) };
}

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly port: number;
  /** Parsed JSON log lines from stdout so far. */
  readonly logs: Record<string, unknown>[];
  readonly stderr: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI to completion (for --help and bad flags). */
export function runCli(cliPath: string, args: readonly string[]): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts the CLI and resolves once it logged `server.listening`. */
export function startServerProcess(cliPath: string, args: readonly string[]): Promise<ServerProcess> {
  const child = spawn(process.execPath, [cliPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  let partial = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry.event === 'server.listening') {
          resolve({ child, url: String(entry.url), port: Number(entry.port), logs, stderr: () => stderr, exited });
        }
      }
    });
    void exited.then(({ code }) => reject(new Error(`server exited (${code}) before listening: ${stderr}`)));
  });
}

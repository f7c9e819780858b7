/**
 * The Node sync server alone in a child process started with --expose-gc, so
 * that its memory can be read without the bench's own (Chromium driver, the
 * clients' sockets) mixed in. The parent asks over IPC:
 *
 *   → { type: 'measure' }  ← { type: 'memory', usage: process.memoryUsage() after two full GCs }
 *
 * and first receives { type: 'ready', url }.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNodeServer } from '../../src/server/node/index.js';
import { BENCH_SECRET } from './sync-server.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined || process.send === undefined) throw new Error('memory-server runs as a child process with --expose-gc (bench/figures/replica-memory.ts)');

const dir = mkdtempSync(join(tmpdir(), 'trellis-bench-memory-'));
// No periodic compaction: nothing may run between two measurements but the connections themselves.
const server = await createNodeServer({ port: 0, dbPath: join(dir, 'trellis.sqlite'), secret: BENCH_SECRET, compactIntervalMs: 0 });
process.on('message', (message: { type: string }) => {
  if (message.type === 'measure') {
    (gc as () => void)();
    (gc as () => void)();
    process.send?.({ type: 'memory', usage: process.memoryUsage() });
  } else if (message.type === 'close') {
    void server.close().then(() => {
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    });
  }
});
process.send({ type: 'ready', url: server.url });

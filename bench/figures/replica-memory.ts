/**
 * Memory per idle connected replica on the Node server: the server runs alone
 * in a child process with --expose-gc; replicas connect in steps (hello,
 * reset, join, snapshot, synced: live, then quiet) and after each step the
 * child reports process.memoryUsage() after two full GCs. A sample is one
 * step's growth divided by its replicas.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { putOps } from '../harness/bench-ops.js';
import { summarize } from '../harness/stats.js';
import { openPeer, type ProtocolPeer } from '../harness/protocol-peer.js';
import { createTokenProvider } from '../../src/server/core/index.js';
import { BENCH_SECRET } from '../harness/sync-server.js';
import type { Figure } from '../harness/types.js';

const KB = 1024;
/** Sockets opened at once. */
const BATCH = 25;

type Usage = NodeJS.MemoryUsage;

function startChild(root: string): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(join(root, 'bench/harness/memory-server.ts'), [], {
    execArgv: ['--expose-gc', '--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`memory server exited with ${code}`)));
    child.once('message', (m: { type: string; url: string }) => resolve({ child, url: m.url }));
  });
}

function measure(child: ChildProcess): Promise<Usage> {
  return new Promise((resolve) => {
    child.once('message', (m: { usage: Usage }) => resolve(m.usage));
    child.send({ type: 'measure' });
  });
}

export const replicaMemory: Figure = {
  name: 'replica-memory',
  title: 'memory per idle connected replica on the Node server',
  async run(ctx) {
    const steps = ctx.quick ? 3 : 6;
    const perStep = ctx.quick ? 100 : 150;
    const { child, url } = await startChild(ctx.root);
    const tokens = createTokenProvider({ secret: BENCH_SECRET });
    const peers: ProtocolPeer[] = [];
    let next = 0;
    const connect = async (count: number) => {
      for (let i = 0; i < count; i += BATCH) {
        await Promise.all(
          Array.from({ length: Math.min(BATCH, count - i) }, async () => {
            const user = `replica-${next++}`;
            // A token per replica: the server allows 32 connections per token.
            const peer = await openPeer({ url, library: 'memory', token: await tokens.issue({ library: 'memory', user, role: 'write', expiresIn: '1h' }) });
            peers.push(peer);
            await peer.joinLive(user);
          }),
        );
      }
    };
    try {
      const writer = await openPeer({ url, library: 'memory', token: await tokens.issue({ library: 'memory', user: 'writer', role: 'write', expiresIn: '1h' }) });
      peers.push(writer);
      // A library of 100 documents, so each replica joins with a real (small) snapshot.
      await writer.seed('writer', putOps({ replicaId: 'writer', fromSeq: 1, count: 100, prefix: 'memory' }));
      // Warm-up: the code paths of a join run, and lazily allocated server structures exist, before the first reading.
      await connect(BATCH);
      const rss: number[] = [];
      const heap: number[] = [];
      const worst: number[] = [];
      let before = await measure(child);
      for (let step = 0; step < steps; step++) {
        await connect(perStep);
        const after = await measure(child);
        rss.push((after.rss - before.rss) / perStep / KB);
        heap.push((after.heapUsed + after.external - before.heapUsed - before.external) / perStep / KB);
        worst.push(Math.max(rss.at(-1) as number, heap.at(-1) as number));
        before = after;
      }
      const heapSummary = summarize(heap, 'lower');
      const rssSummary = summarize(rss, 'lower');
      return [
        {
          figure: 'replica memory (node)',
          unit: 'KB',
          better: 'lower',
          subject: summarize(worst, 'lower'),
          budget: { maxMedian: 64 },
          notes:
            `growth of the server process per idle live replica (1 KB = 1024 B), per step the larger of two readings: JS heap + external (exact for what JS retains: ` +
            `median ${heapSummary.median.toFixed(1)} KB, p95 ${heapSummary.p95.toFixed(1)} KB) and resident set size (also native memory: ws and socket buffers held by Node, ` +
            `SQLite's page cache; but new objects first fill heap pages already resident, so it reads low and jumps: median ${rssSummary.median.toFixed(1)} KB, p95 ${rssSummary.p95.toFixed(1)} KB). ` +
            `${steps} steps of ${perStep} replicas joining a 100-document library (${BATCH + steps * perStep} connected at the end, one token each), ` +
            `each reading taken in the server's own process (a child with --expose-gc, nothing else in it) after two forced full GCs; kernel socket buffers are not counted`,
        },
      ];
    } finally {
      await Promise.all(peers.map((p) => p.close()));
      child.send({ type: 'close' });
      await new Promise((resolve) => child.once('exit', resolve));
    }
  },
};

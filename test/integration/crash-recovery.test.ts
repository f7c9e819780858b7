/**
 * The server process is killed with SIGKILL mid-session and restarted on the
 * same database: every op it acked is there. Runs the real CLI (bundled once
 * for this file) as a child process.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTokenProvider } from 'trellis/server';
import type { AckMessage } from 'trellis/protocol';
import { openClient } from '../helpers/protocol-client.js';
import { buildCli, startServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/start-test-server.js';
import { wireOps } from '../helpers/wire-ops.js';

const SECRET = 'crash-test-secret-0123456789abcdef';
const tokens = createTokenProvider({ secret: SECRET });
let cli: Awaited<ReturnType<typeof buildCli>>;

beforeAll(async () => {
  cli = await buildCli();
});
afterAll(() => cli?.remove());

describe('crash recovery', () => {
  test('after SIGKILL and a restart on the same database, every acked op is there', async () => {
    const dbPath = join(tempDir(), 'trellis.sqlite');
    const args = ['--port', '0', '--db', dbPath, '--secret', SECRET];
    const first = await startServerProcess(cli.cliPath, args);
    const token = await tokens.issue({ library: 'team', user: 'ada', role: 'write', expiresIn: '1h' });
    const a = await openClient({ url: first.url, library: 'team', token });
    const { epoch } = await a.hello({ replicaId: 'A', localSeq: 0, atRisk: 0 });
    a.send({ type: 'seed', baselines: [], ops: [], done: true });
    await a.next('synced');

    // Push batches without waiting, then kill the process while acks are still coming.
    const ops = wireOps('A', 1, 2000, { change: { kind: 'put', value: { text: 'z'.repeat(200) } } });
    for (let i = 0; i < ops.length; i += 100) a.send({ type: 'push', ops: ops.slice(i, i + 100) });
    const acks: AckMessage[] = [await a.next('ack'), await a.next('ack')];
    first.child.kill('SIGKILL');
    await first.exited;
    await a.closed;
    for (const m of a.received) if (m.type === 'ack' && !acks.includes(m)) acks.push(m);
    const ackedUpTo = Math.max(...acks.map((ack) => ack.toSeq));
    expect(ackedUpTo).toBeGreaterThanOrEqual(200);

    const second = await startServerProcess(cli.cliPath, args);
    try {
      const again = await openClient({ url: second.url, library: 'team', token });
      const decision = await again.hello({ replicaId: 'A', cursor: { epoch, serverSeq: 0 }, localSeq: 2000, atRisk: 2000 });
      expect(decision.decision).toBe('resume');
      expect(decision.replicaSeq).toBeGreaterThanOrEqual(ackedUpTo);
      const late = await openClient({ url: second.url, library: 'team', token });
      await late.hello({ replicaId: 'L' });
      late.send({ type: 'join', replicaId: 'L2' });
      await late.next('synced');
      const stored = late.received.flatMap((m) => (m.type === 'snapshot' ? m.ops : []));
      const bySeq = new Map(stored.map((entry) => [entry.op.seq, entry]));
      for (const ack of acks) {
        for (let seq = ack.fromSeq; seq <= ack.toSeq; seq++) {
          expect(bySeq.get(seq)).toEqual({ serverSeq: ack.firstServerSeq + (seq - ack.fromSeq), op: ops[seq - 1] });
        }
      }
      // The log stayed gap-free: the server seqs are exactly 1..n.
      expect(stored.map((entry) => entry.serverSeq)).toEqual(stored.map((_, i) => i + 1));
    } finally {
      second.child.kill('SIGTERM');
      expect((await second.exited).code).toBe(0);
    }
  });
});

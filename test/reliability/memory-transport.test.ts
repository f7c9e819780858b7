/** 'trellis/testing' itself: the memory transport and the seeded network carry a real sync session. */
import { firstValueFrom, filter, timeout } from 'rxjs';
import { afterEach, describe, expect, test } from 'vitest';
import { createSync } from 'trellis/sync';
import type { SyncState } from 'trellis/sync';
import { createMemoryServer, createMemoryTransport, createNetwork, createPrng, testToken } from 'trellis/testing';
import type { MemoryServer } from 'trellis/testing';
import { testDatabase } from '../helpers/open-test-store.js';

let memory: MemoryServer | undefined;
afterEach(() => memory?.close());

const live = (sync: { state: import('rxjs').Observable<SyncState> }) =>
  firstValueFrom(sync.state.pipe(filter((s) => s.phase === 'live' && s.pending === 0), timeout(5000)));

describe('trellis/testing', () => {
  test('two stores sync through the memory transport', async () => {
    memory = createMemoryServer();
    const token = testToken({ library: 'team' });
    const a = await testDatabase().open();
    const b = await testDatabase().open();
    await a.collection('todos').put({ id: 't', title: 'From A', createdAt: 1 });
    const syncA = createSync(a, { url: 'ws://memory', library: 'team', token, transport: createMemoryTransport(memory) });
    await live(syncA);
    const syncB = createSync(b, { url: 'ws://memory', library: 'team', token, transport: createMemoryTransport(memory) });
    await live(syncB);
    expect(await firstValueFrom(b.collection('todos').get('t').pipe(filter((d) => d !== undefined), timeout(5000)))).toMatchObject({ title: 'From A' });
    await Promise.all([syncA.stop(), syncB.stop()]);
    await Promise.all([a.close(), b.close()]);
  });

  test('a manual network moves frames only when asked, and replays from its seed', async () => {
    // Scripted endpoints (no store: IndexedDB's timing is not the network's) speaking the protocol.
    const run = async (seed: number) => {
      const server = createMemoryServer({ createId: () => 'epoch', now: () => 1_700_000_000_000 });
      const trace: string[] = [];
      try {
        const network = createNetwork({ server, seed, faults: { drop: 0.05 }, tap: (e) => trace.push(`${e.endpoint} ${e.direction} ${String(e.frame).slice(0, 40)}`) });
        for (const name of ['a', 'b', 'c']) {
          const transport = network.transport(name)({ url: async () => `ws://memory/team?token=${testToken({ library: 'team', user: name })}`, isFatal: () => false });
          const hello = () => transport.send(JSON.stringify({ type: 'hello', protocol: 2, replicaId: name, cursor: null, localSeq: 0, atRisk: 0 }));
          transport.onOpen(hello);
          transport.onMessage((frame) => {
            const message = JSON.parse(frame);
            if (message.decision === 'accept') transport.send(JSON.stringify({ type: 'seed', baselines: [], ops: [], done: true }));
            if (message.decision === 'reset') transport.send(JSON.stringify({ type: 'join', replicaId: `${name}2` }));
          });
        }
        expect(network.stats.delivered).toBe(0);
        for (let i = 0; i < 300; i++) {
          network.deliverOne();
          await new Promise((resolve) => setImmediate(resolve));
        }
        network.close();
        return { trace, stats: network.stats };
      } finally {
        server.close();
      }
    };
    const first = await run(7);
    expect(first.stats.opened).toBeGreaterThanOrEqual(3);
    expect(first.stats.delivered).toBeGreaterThan(6);
    expect(await run(7)).toEqual(first);
    expect((await run(8)).trace).not.toEqual(first.trace);
  });

  test('the PRNG is deterministic per seed', () => {
    const a = createPrng(123);
    const b = createPrng(123);
    const xs = Array.from({ length: 50 }, () => a.int(1000));
    expect(Array.from({ length: 50 }, () => b.int(1000))).toEqual(xs);
    expect(new Set(xs).size).toBeGreaterThan(30);
  });
});

import { describe, expect, test } from 'vitest';
import { CloseCode } from 'trellis/protocol';
import { startTestServer } from '../helpers/start-test-server.js';
import { wireOps } from '../helpers/wire-ops.js';

describe('library reset after eviction', () => {
  test('evict closes the sockets; the first replica back seeds; the others are reset with library-reset', async () => {
    const server = await startTestServer();
    const a = await server.connect('team');
    const { epoch } = await a.hello({ replicaId: 'A', localSeq: 2, atRisk: 2 });
    a.send({ type: 'seed', baselines: [], ops: wireOps('A', 1, 2), done: true });
    await a.next('synced');
    const b = await server.connect('team');
    await b.hello({ replicaId: 'B' });
    b.send({ type: 'join', replicaId: 'B2' });
    await b.next('synced');
    const other = await server.connect('other-library');
    await other.hello({ replicaId: 'O', atRisk: 1 });

    server.node.evict('team');
    expect((await a.closed).code).toBe(CloseCode.LIBRARY_EVICTED);
    expect((await b.closed).code).toBe(CloseCode.LIBRARY_EVICTED);
    expect(server.query("SELECT COUNT(*) AS n FROM ops WHERE library = 'team'")).toEqual([{ n: 0 }]);
    expect(server.query("SELECT library FROM libraries")).toEqual([{ library: 'other-library' }]);

    // B comes back first, with history: the empty library accepts it, under a new epoch.
    const b2 = await server.connect('team');
    const accepted = await b2.hello({ replicaId: 'B2', cursor: { epoch, serverSeq: 2 }, localSeq: 0, atRisk: 2 });
    expect(accepted.decision).toBe('accept');
    expect(accepted.epoch).not.toBe(epoch);
    b2.send({ type: 'seed', baselines: [], ops: wireOps('A', 1, 2), done: true });
    expect(await b2.next('synced')).toEqual({ type: 'synced', serverSeq: 2 });

    const a2 = await server.connect('team');
    expect(await a2.hello({ replicaId: 'A', cursor: { epoch, serverSeq: 2 }, localSeq: 2 })).toMatchObject({ decision: 'reset', reason: 'library-reset', epoch: accepted.epoch });
    expect(other.received.some((m) => m.type === 'error')).toBe(false);
  });
});

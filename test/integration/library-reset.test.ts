import { describe, expect, test } from 'vitest';
import { ErrorCode } from 'trellis';
import { CloseCode } from 'trellis/protocol';
import { servers } from '../helpers/servers.js';
import { wireOps } from '../helpers/wire-ops.js';

describe.each(servers)('library reset after eviction ($name)', (factory) => {
  test('evict closes the sockets; the first replica back seeds; the others are reset with library-reset', async () => {
    const server = await factory.start();
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

    await server.evict('team');
    expect((await a.closed).code).toBe(CloseCode.LIBRARY_EVICTED);
    expect((await b.closed).code).toBe(CloseCode.LIBRARY_EVICTED);
    expect(await server.query('team', "SELECT COUNT(*) AS n FROM ops WHERE library = 'team'")).toEqual([{ n: 0 }]);
    expect(await server.query('team', "SELECT library FROM libraries WHERE library = 'team'")).toEqual([]);
    expect(await server.query('other-library', "SELECT library FROM libraries WHERE library = 'other-library'")).toEqual([{ library: 'other-library' }]);

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

  test('evicting with revokeTokens refuses every older token of the library; a fresh token re-creates it', async () => {
    const server = await factory.start({ clock: 1_700_000_000_000 });
    const oldToken = await server.token('team');
    const a = await server.connect('team', { token: oldToken });
    await a.hello({ replicaId: 'A', localSeq: 1, atRisk: 1 });
    a.send({ type: 'seed', baselines: [], ops: wireOps('A', 1, 1), done: true });
    await a.next('synced');

    await server.evict('team', { revokeTokens: true });
    expect((await a.closed).code).toBe(CloseCode.LIBRARY_EVICTED);
    const refused = await server.connect('team', { token: oldToken });
    expect((await refused.next('error')).code).toBe(ErrorCode.AUTH_TOKEN_REVOKED);
    expect((await refused.closed).code).toBe(CloseCode.AUTH_INVALID);

    await server.advanceClock(1000);
    const again = await server.connect('team');
    expect((await again.hello({ replicaId: 'A', localSeq: 1, atRisk: 1 })).decision).toBe('accept');
  });
});

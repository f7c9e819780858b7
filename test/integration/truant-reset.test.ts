import { describe, expect, test } from 'vitest';
import { ErrorCode } from 'trellis';
import { servers } from '../helpers/servers.js';
import type { ServerFactory, ServerUnderTest } from '../helpers/servers.js';
import { wireOps } from '../helpers/wire-ops.js';

const WINDOW = 60_000;

function clockedServer(factory: ServerFactory): Promise<ServerUnderTest> {
  return factory.start({ clock: 1_700_000_000_000, truancyMs: WINDOW });
}

/** A seeded with ops 1..2; its cursor. */
async function seed(server: ServerUnderTest) {
  const a = await server.connect('team');
  const { epoch } = await a.hello({ replicaId: 'A', localSeq: 2, atRisk: 2 });
  a.send({ type: 'seed', baselines: [], ops: wireOps('A', 1, 2), done: true });
  await a.next('synced');
  return { a, cursor: { epoch, serverSeq: 2 } };
}

describe.each(servers)('truant reset ($name)', (factory) => {
  test('a replica away longer than the truancy window is reset as truant, and marked so', async () => {
    const server = await clockedServer(factory);
    const { a, cursor } = await seed(server);
    await a.close();
    await server.advanceClock(WINDOW + 1);
    const back = await server.connect('team');
    // Frames before hello (here an invalid one) must not refresh last_seen.
    back.sendRaw('garbage');
    await back.next('error');
    expect(await back.hello({ replicaId: 'A', cursor, localSeq: 3, atRisk: 1 })).toMatchObject({ decision: 'reset', reason: 'truant' });
    expect(await server.query('team', "SELECT status FROM replicas WHERE replica = 'A'")).toEqual([{ status: 'truant' }]);
    back.send({ type: 'push', ops: wireOps('A', 3, 3) });
    expect((await back.next('error')).code).toBe(ErrorCode.SYNC_JOIN_REQUIRED);
    back.send({ type: 'join', replicaId: 'A-again' });
    await back.next('synced');
    back.send({ type: 'push', ops: wireOps('A-again', 1, 1) });
    expect(await back.next('ack')).toMatchObject({ firstServerSeq: 3 });
  });

  test('once truant, always reset, even when back within the window', async () => {
    const server = await clockedServer(factory);
    const { a, cursor } = await seed(server);
    await a.close();
    await server.advanceClock(WINDOW + 1);
    expect(await (await server.connect('team')).hello({ replicaId: 'A', cursor, localSeq: 2 })).toMatchObject({ reason: 'truant' });
    expect(await (await server.connect('team')).hello({ replicaId: 'A', cursor, localSeq: 2 })).toMatchObject({ reason: 'truant' });
  });

  test('a replica back within the window resumes', async () => {
    const server = await clockedServer(factory);
    const { a, cursor } = await seed(server);
    await a.close();
    await server.advanceClock(WINDOW - 1);
    expect((await (await server.connect('team')).hello({ replicaId: 'A', cursor, localSeq: 2 })).decision).toBe('resume');
  });

  test('a replica that stays connected is never truant: closing refreshes last_seen', async () => {
    const server = await clockedServer(factory);
    const { a, cursor } = await seed(server);
    await server.advanceClock(3 * WINDOW);
    await a.close();
    await server.advanceClock(WINDOW - 1);
    expect((await (await server.connect('team')).hello({ replicaId: 'A', cursor, localSeq: 2 })).decision).toBe('resume');
  });
});

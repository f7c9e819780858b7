/**
 * Presence against every server: real clients (store + sync plugin) and raw
 * protocol clients see each other with the server's profiles, cannot forge a
 * user or a profile, vanish after a disconnect plus the grace (and not within
 * it), bad presence is refused without harm, and nothing of it is stored.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, test } from 'vitest';
import { ErrorCode, isTrellisError } from 'trellis';
import { presence, type PresenceSync, type PresenceUser } from 'trellis/presence';
import type { Sync } from 'trellis/sync';
import type { ProtocolClient } from '../helpers/protocol-client.js';
import { cloudflareServer, servers } from '../helpers/servers.js';
import type { ServerUnderTest, TokenOptions } from '../helpers/servers.js';
import { eventually, openReplica } from '../helpers/sync-harness.js';
import type { TestReplica } from '../helpers/sync-harness.js';
import { wireOps } from '../helpers/wire-ops.js';

const LIB = 'lib';

/** A replica with the presence plugin. */
type PresenceReplica = TestReplica<Sync & PresenceSync>;

/** A store + sync with presence(), connected as `user`. */
function replicaOf(server: ServerUnderTest, user: string, role: TokenOptions['role'] = 'write'): Promise<PresenceReplica> {
  return openReplica(server, LIB, { getToken: () => server.token(LIB, { user, role }), plugins: [presence()] });
}

/** Replicas of `users`, the first live before the others connect (a second hello during its seed would be SYNC_LIBRARY_BUSY and back off). */
async function replicasOf(server: ServerUnderTest, users: readonly (readonly [string, TokenOptions['role']?])[]): Promise<PresenceReplica[]> {
  const [first, ...rest] = users;
  const founder = await replicaOf(server, ...(first as [string]));
  await founder.settle();
  return [founder, ...(await Promise.all(rest.map(([user, role]) => replicaOf(server, user, role))))];
}

/** A raw client that seeded the empty library (or joined it) and is live, with the replica id it is live as. */
async function liveClient(server: ServerUnderTest, o: { replicaId: string; user: string }): Promise<ProtocolClient & { replicaId: string }> {
  const client = await server.connect(LIB, { user: o.user });
  const decision = await client.hello({ replicaId: o.replicaId });
  let replicaId = o.replicaId;
  if (decision.decision === 'accept') client.send({ type: 'seed', baselines: [], ops: [], done: true });
  else if (decision.decision === 'reset') client.send({ type: 'join', replicaId: (replicaId = `${o.replicaId}-joined`) });
  await client.next('synced');
  return Object.assign(client, { replicaId });
}

/** The first `peers$` value that satisfies `predicate` (10 s safety net). */
const peersOf = (replica: PresenceReplica, predicate: (peers: readonly PresenceUser[]) => boolean) => eventually(replica.sync.presence.peers$, predicate);

const userOf = (peers: readonly PresenceUser[], userId: string) => peers.find((p) => p.userId === userId);

/** Every row of every table of the library's storage, as text. */
async function storedText(server: ServerUnderTest): Promise<string> {
  const tables = await server.query<{ name: string }>(LIB, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'");
  const rows = await Promise.all(tables.map(({ name }) => server.query(LIB, `SELECT * FROM "${name}"`)));
  return JSON.stringify(rows);
}

describe.each(servers)('presence ($name)', (factory) => {
  it('replicas see each other grouped by user, with the server-supplied profile; a read token may take part', async () => {
    const server = await factory.start();
    const [ada, bob, adaReader, anon] = (await replicasOf(server, [['ada'], ['bob'], ['ada', 'read'], ['anon-1']])) as [PresenceReplica, PresenceReplica, PresenceReplica, PresenceReplica];
    ada.sync.presence.set({ viewing: 'list-1', cursor: { x: 1, y: 2 } });
    bob.sync.presence.set({ viewing: 'list-2' });
    adaReader.sync.presence.set({ viewing: 'list-3' });
    anon.sync.presence.set(null);
    expect(ada.sync.presence.self).toEqual({ viewing: 'list-1', cursor: { x: 1, y: 2 } });

    const ready = (p: PresenceUser) => p.userId === 'anon-1' || (p.profile !== null && p.replicas.every((r) => r.state !== null));
    const seen = await peersOf(ada, (peers) => peers.length === 3 && peers.every(ready));
    expect(seen.map((p) => [p.userId, p.profile, p.replicas.map((r) => r.state)])).toEqual([
      ['ada', { name: 'Name of ada' }, [{ viewing: 'list-3' }]],
      ['anon-1', null, [null]],
      ['bob', { name: 'Name of bob' }, [{ viewing: 'list-2' }]],
    ]);
    expect(userOf(seen, 'ada')?.replicas[0]?.replicaId).toBe(adaReader.store.replicaId);
    expect(userOf(seen, 'bob')?.replicas[0]?.lastSeen).toBeGreaterThan(0);

    // Later changes arrive as updates.
    bob.sync.presence.set({ viewing: 'list-9' });
    await peersOf(ada, (peers) => userOf(peers, 'bob')?.replicas[0]?.state?.viewing === 'list-9');
    const fromBob = await peersOf(bob, (peers) => peers.length === 2 && userOf(peers, 'ada')?.replicas.length === 2);
    expect(userOf(fromBob, 'ada')?.replicas.map((r) => r.state?.viewing).sort()).toEqual(['list-1', 'list-3']);
    await Promise.all([ada, bob, adaReader, anon].map((r) => r.close()));
  });

  it('a client cannot forge its user id or profile: both come from the token and the server', async () => {
    const server = await factory.start();
    const ada = await replicaOf(server, 'ada');
    ada.sync.presence.set({ viewing: 'home' });
    await ada.settle();
    const eve = await liveClient(server, { replicaId: 'EVE', user: 'eve' });
    eve.sendRaw(JSON.stringify({ type: 'presence', state: { viewing: 'admin-panel', userId: 'ada', profile: { name: 'Admin' } }, userId: 'ada', profile: { name: 'Admin' } }));
    const snapshot = await eve.next('presence');
    expect(snapshot).toMatchObject({ replace: true, profiles: { ada: { name: 'Name of ada' } } });
    expect(snapshot.replicas?.map((r) => r.userId)).toEqual(['ada']);

    const peers = await peersOf(ada, (p) => userOf(p, 'eve')?.replicas.length === 1);
    const forged = await peersOf(ada, (p) => userOf(p, 'eve')?.profile !== null);
    expect(peers.map((p) => p.userId)).toEqual(['eve']);
    expect(userOf(forged, 'eve')).toEqual({
      userId: 'eve',
      profile: { name: 'Name of eve' },
      replicas: [{ replicaId: 'EVE', state: { viewing: 'admin-panel', userId: 'ada', profile: { name: 'Admin' } }, lastSeen: expect.any(Number) }],
    });
    await ada.close();
  });

  it('a replica vanishes from presence once it disconnected and the grace ended', async () => {
    const server = await factory.start({ presenceGraceMs: 300 });
    const [ada, bob] = (await replicasOf(server, [['ada'], ['bob']])) as [PresenceReplica, PresenceReplica];
    ada.sync.presence.set({ viewing: 'a' });
    bob.sync.presence.set({ viewing: 'b' });
    await peersOf(ada, (peers) => userOf(peers, 'bob') !== undefined);
    await bob.close();
    await peersOf(ada, (peers) => peers.length === 0);
    await ada.close();
  });

  it('a replica that reconnects within the grace keeps its entry throughout', async () => {
    const server = await factory.start({ presenceGraceMs: 60_000 });
    const [ada, bob] = (await replicasOf(server, [['ada'], ['bob']])) as [PresenceReplica, PresenceReplica];
    ada.sync.presence.set({ viewing: 'a' });
    bob.sync.presence.set({ viewing: 'before' });
    await peersOf(ada, (peers) => userOf(peers, 'bob')?.replicas[0]?.state?.viewing === 'before');
    const views: (readonly PresenceUser[])[] = [];
    const watching = ada.sync.presence.peers$.subscribe((peers) => views.push(peers));

    await bob.sync.stop();
    bob.connect({ getToken: () => server.token(LIB, { user: 'bob' }) });
    bob.sync.presence.set({ viewing: 'after' });
    await peersOf(ada, (peers) => userOf(peers, 'bob')?.replicas[0]?.state?.viewing === 'after');
    watching.unsubscribe();
    expect(views.every((peers) => userOf(peers, 'bob')?.replicas.length === 1)).toBe(true);
    await ada.close();
    await bob.close();
  });

  it('oversized or invalid presence gets a typed error, changes nothing, and the server keeps serving everyone', async () => {
    const server = await factory.start();
    const ada = await replicaOf(server, 'ada');
    ada.sync.presence.set({ viewing: 'a' });
    // Ada seeds the empty library first (meanwhile another hello would be SYNC_LIBRARY_BUSY).
    await ada.settle();
    const eve = await liveClient(server, { replicaId: 'EVE', user: 'eve' });
    eve.send({ type: 'presence', state: { viewing: 'fine' } });
    await eve.next('presence');
    await peersOf(ada, (peers) => userOf(peers, 'eve')?.replicas[0]?.state?.viewing === 'fine');

    eve.send({ type: 'presence', state: { viewing: 'x'.repeat(2000) } });
    const tooLarge = await eve.next('error');
    expect(tooLarge).toMatchObject({ code: ErrorCode.PRESENCE_TOO_LARGE, details: { limit: 1024 } });
    eve.sendRaw(JSON.stringify({ type: 'presence', state: ['not', 'an', 'object'] }));
    expect(await eve.next('error')).toMatchObject({ code: ErrorCode.PROTOCOL_INVALID_MESSAGE, details: { path: ['state'] } });
    eve.sendRaw(JSON.stringify({ type: 'presence' }));
    expect((await eve.next('error')).code).toBe(ErrorCode.PROTOCOL_INVALID_MESSAGE);

    // Eve's connection still works; her last valid state stands; the others are served.
    eve.send({ type: 'push', ops: wireOps(eve.replicaId, 1, 1) });
    expect(await eve.next('ack')).toMatchObject({ fromSeq: 1, toSeq: 1 });
    eve.send({ type: 'presence', state: { viewing: 'after' } });
    await peersOf(ada, (peers) => userOf(peers, 'eve')?.replicas[0]?.state?.viewing === 'after');
    await ada.store.collection('todos').put({ id: 't', title: 'Still syncing', createdAt: 1 });
    await ada.settle();

    // The client refuses the same states before they reach the wire.
    expect(() => ada.sync.presence.set({ viewing: 'x'.repeat(2000) })).toThrow(expect.objectContaining({ code: ErrorCode.PRESENCE_TOO_LARGE }));
    let thrown: unknown;
    try {
      ada.sync.presence.set([1, 2] as never);
    } catch (err) {
      thrown = err;
    }
    expect(isTrellisError(thrown, ErrorCode.INVALID_ARGUMENT)).toBe(true);
    expect(ada.sync.presence.self).toEqual({ viewing: 'a' });
    await ada.close();
  });

  it('presence is never stored: no ops on either side, nothing in the server database', async () => {
    const server = await factory.start();
    const [ada, bob] = (await replicasOf(server, [['ada'], ['bob']])) as [PresenceReplica, PresenceReplica];
    for (let i = 0; i < 5; i++) ada.sync.presence.set({ viewing: `marker-presence-${i}` });
    bob.sync.presence.set({ viewing: 'marker-presence-bob' });
    await peersOf(bob, (peers) => userOf(peers, 'ada')?.replicas[0]?.state?.viewing === 'marker-presence-4');
    await peersOf(ada, (peers) => userOf(peers, 'bob')?.replicas[0]?.state?.viewing === 'marker-presence-bob');
    expect(await server.query(LIB, 'SELECT COUNT(*) AS n FROM ops')).toEqual([{ n: 0 }]);
    expect(await storedText(server)).not.toContain('marker-presence');
    expect(ada.state().pending).toBe(0);
    await ada.close();
    await bob.close();
  });
});

describe.runIf(servers.includes(cloudflareServer))('presence on a Durable Object', () => {
  /** workerd evicts an object with only hibernatable sockets after 10 s without events. */
  const HIBERNATION_MS = 12_000;

  test(
    'presence survives hibernation in the sockets, and a grace that ends after it still removes the replica',
    async () => {
      // C's grace ends after the object hibernated (10 s without events), on the alarm.
      const server = await cloudflareServer.start({ presenceGraceMs: 16_000 });
      const a = await liveClient(server, { replicaId: 'A', user: 'ada' });
      const b = await liveClient(server, { replicaId: 'B', user: 'bob' });
      const c = await liveClient(server, { replicaId: 'C', user: 'cy' });
      a.send({ type: 'presence', state: { viewing: 'a' } });
      await a.next('presence');
      b.send({ type: 'presence', state: { viewing: 'b' } });
      await b.next('presence');
      c.send({ type: 'presence', state: { viewing: 'c' } });
      await c.next('presence');
      await c.close();
      await sleep(HIBERNATION_MS);

      const late = await liveClient(server, { replicaId: 'D', user: 'dee' });
      late.send({ type: 'presence', state: null });
      const snapshot = await late.next('presence');
      expect(await server.instances(LIB)).toBe(2);
      expect(snapshot.replicas?.map((r) => [r.replicaId, r.state]).sort()).toEqual([['A', { viewing: 'a' }], ['B', { viewing: 'b' }]]);
      expect(snapshot.profiles).toEqual({ ada: { name: 'Name of ada' }, bob: { name: 'Name of bob' } });
      // C's grace was lost with the object's memory; its alarm resends everything, without C.
      let resent = await a.next('presence');
      while (resent.replace !== true) resent = await a.next('presence');
      const ids = resent.replicas?.map((r) => r.replicaId) ?? [];
      expect(ids).toContain('B');
      expect(ids).not.toContain('C');
    },
    HIBERNATION_MS + 30_000,
  );
});

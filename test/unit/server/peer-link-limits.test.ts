/**
 * A link with another server, on the accepting side: its own message-rate bucket (a peer forwards
 * the frames of many replicas), and its state across a Durable Object's hibernation (saved with the
 * socket, restored on a recreated server over the same storage), and the registrations it states.
 */
import { describe, expect, test } from 'vitest';
import { ErrorCode } from 'trellis';
import { CloseCode, PROTOCOL_VERSION } from 'trellis/protocol';
import { decodePeerMessage } from '../../../src/protocol/peer-codec.js';
import { DEFAULT_LIMITS } from 'trellis/server';
import type { Claims, Connection, Role, SqlStorage, SyncLimits, VerifyToken } from 'trellis/server';
import { FAR_FUTURE_S, createFakeServer, fakeVerify } from '../../helpers/fake-sync-server.js';
import type { FakeServer } from '../../helpers/fake-sync-server.js';
import { wireOps } from '../../helpers/wire-ops.js';

/** fakeVerify, plus `server:library` tokens. */
const verify: VerifyToken = (token) => {
  const [role, library = ''] = token.split(':');
  if (role === 'server') return { library, user: 'trellis:server:peer-one', role: role as Role, exp: FAR_FUTURE_S } satisfies Claims;
  return fakeVerify(token);
};

type Frame = { type: string; [key: string]: unknown };

/** The peer's side of a link: every frame this server sent it, decoded as JSON. */
function peerSocket() {
  const frames: Frame[] = [];
  const state: { closed: { code: number; reason: string } | undefined } = { closed: undefined };
  const socket = { send: (frame: string) => void frames.push(JSON.parse(frame) as Frame), close: (code: number, reason: string) => void (state.closed = { code, reason }) };
  return { frames, socket, state, of: (type: string) => frames.filter((f) => f.type === type) };
}

const hello = { type: 'peer-hello', protocol: PROTOCOL_VERSION, serverId: 'peer-one', epoch: null, libraries: [] };
const vectorDone = { type: 'peer-vector', replicas: [], done: true };

function openLink(fake: FakeServer, library = 'lib') {
  const peer = peerSocket();
  const conn = fake.server.connect(peer.socket, { library, token: `server:${library}` });
  const send = (message: object) => conn.receive(JSON.stringify(message));
  return { ...peer, conn, send };
}

describe('peer link limits', () => {
  test('the peer bucket defaults are larger than a replica\'s', () => {
    expect(DEFAULT_LIMITS).toMatchObject({ maxMessagesPerSecond: 500, messageBurst: 2000, maxPeerMessagesPerSecond: 20_000, peerMessageBurst: 40_000 });
  });

  test('a server link may send its own burst, above a replica\'s; one frame past it is refused and closed', () => {
    const limits: Partial<SyncLimits> = { maxMessagesPerSecond: 10, messageBurst: 5, maxPeerMessagesPerSecond: 100, peerMessageBurst: 50 };
    const fake = createFakeServer({ limits, verifyToken: verify });
    const link = openLink(fake);
    link.send(hello);
    link.send(vectorDone);
    // 2 + 48 = exactly the peer burst, ten times the replica's.
    for (let i = 0; i < 48; i++) link.send({ type: 'peer-ops', ops: wireOps(`R${i}`, 1, 1) });
    expect(link.of('error')).toEqual([]);
    expect(link.state.closed).toBeUndefined();
    expect(fake.server.inspect('lib')?.ops).toBe(48);
    link.send({ type: 'peer-ops', ops: wireOps('late', 1, 1) });
    expect(link.of('error')).toMatchObject([{ code: ErrorCode.SERVER_LIMIT_EXCEEDED, details: { limit: 'messagesPerSecond', max: 100 } }]);
    expect(link.state.closed?.code).toBe(CloseCode.TRY_AGAIN_LATER);
    // The refused frame stored nothing.
    expect(fake.server.inspect('lib')?.ops).toBe(48);
    // A replica on the same server still has the replica bucket.
    const replica = fake.connect('lib');
    replica.hello({ replicaId: 'B' });
    replica.send({ type: 'join', replicaId: 'B2' });
    replica.take('synced');
    for (let i = 0; i < 4; i++) replica.send({ type: 'cursor', serverSeq: 0 });
    expect(replica.take('error')).toMatchObject({ code: ErrorCode.SERVER_LIMIT_EXCEEDED, details: { max: 10 } });
  });

  test('the peer bucket refills at its rate: a link sending at it is never refused', () => {
    const fake = createFakeServer({ limits: { maxPeerMessagesPerSecond: 1000, peerMessageBurst: 10 }, verifyToken: verify });
    const link = openLink(fake);
    link.send(hello);
    link.send(vectorDone);
    for (let i = 0; i < 3000; i++) {
      fake.now += 1;
      link.send({ type: 'peer-ops', ops: wireOps('R', i + 1, i + 1) });
    }
    expect(link.of('error')).toEqual([]);
    expect(fake.server.inspect('lib')?.ops).toBe(3000);
  });
});

describe('peer link across hibernation', () => {
  /** A server recreated over the same storage (a Durable Object waking) that restores `conn` on `socket`. */
  function wake(sql: SqlStorage, o: { conn: Connection; socket: ReturnType<typeof peerSocket>['socket'] }) {
    const saved = o.conn.save();
    const woken = createFakeServer({ sql, verifyToken: verify });
    return { woken, saved, conn: woken.server.restore(o.socket, saved) };
  }

  test('a live link restored after the exchange keeps forwarding both ways, registration first', () => {
    const fake = createFakeServer({ verifyToken: verify });
    const first = fake.connect('lib');
    const { epoch } = first.hello({ replicaId: 'A', localSeq: 1, atRisk: 1 });
    first.send({ type: 'seed', baselines: [], ops: wireOps('A', 1, 1), done: true });
    first.take('synced');
    first.disconnect();
    const link = openLink(fake);
    link.send(hello);
    link.send(vectorDone);
    expect(link.of('peer-ops')).toMatchObject([{ ops: [{ replicaId: 'A', seq: 1 }] }]);
    expect(link.of('peer-synced')).toHaveLength(1);
    const { woken, saved, conn } = wake(fake.sql, link);
    expect(saved).toMatchObject({ phase: 'peering', peer: { dialer: false, remote: { serverId: 'peer-one' }, greeted: true, vectorDone: true, live: true } });
    expect(link.state.closed).toBeUndefined();
    // A replica of the woken server writes: the restored link is sent its registration, then the op.
    const a = woken.connect('lib');
    expect(a.hello({ replicaId: 'A', cursor: { epoch, serverSeq: 1 }, localSeq: 1 })).toMatchObject({ decision: 'resume' });
    link.frames.length = 0;
    a.send({ type: 'push', ops: wireOps('A', 2, 2) });
    expect(link.frames.map((f) => f.type)).toEqual(['peer-vector', 'peer-ops']);
    expect(link.of('peer-ops')[0]).toMatchObject({ ops: [{ replicaId: 'A', seq: 2 }] });
    // And ops from the peer are stored and reach the replica.
    conn.receive(JSON.stringify({ type: 'peer-ops', ops: wireOps('P', 1, 1) }));
    expect(a.take('ops').ops.map((o) => o.op.replicaId)).toEqual(['P']);
    expect(link.of('error')).toEqual([]);
  });

  test('a link saved while the other side\'s vector was arriving is closed with GOING_AWAY on waking, storing nothing', () => {
    const fake = createFakeServer({ verifyToken: verify });
    const link = openLink(fake);
    link.send(hello);
    link.send({ type: 'peer-vector', replicas: [{ replicaId: 'P', user: 'u', home: 'peer-one', firstSeen: 1, seq: 3, hash: null }], done: false });
    const { saved } = wake(fake.sql, link);
    expect(saved.peer).toMatchObject({ greeted: true, vectorDone: false });
    expect(link.state.closed?.code).toBe(CloseCode.GOING_AWAY);
  });

  test('a peering state saved before peer links were kept is closed with GOING_AWAY', () => {
    const fake = createFakeServer({ verifyToken: verify });
    const peer = peerSocket();
    const { peer: _dropped, ...old } = { ...openLink(fake).conn.save() };
    fake.server.restore(peer.socket, old);
    expect(peer.state.closed?.code).toBe(CloseCode.GOING_AWAY);
  });
});

describe('registrations a link states', () => {
  /** Every peer-vector the link was sent, decoded as the peer would: each must be valid. */
  function vectors(link: ReturnType<typeof openLink>) {
    return link.frames.filter((f) => f.type === 'peer-vector').map((f) => decodePeerMessage(JSON.stringify(f)));
  }

  test('ops that came before their registration are never stated as one (empty user), and the registration replaces the placeholder', () => {
    const fake = createFakeServer({ verifyToken: verify });
    const first = openLink(fake);
    first.send(hello);
    first.send(vectorDone);
    // A forwarded op whose registration the peer did not have to send: stored, with a placeholder head.
    first.send({ type: 'peer-ops', ops: wireOps('P', 1, 1) });
    expect(fake.server.inspect('lib')?.ops).toBe(1);
    // Another server links up: its greeting leaves the unregistered replica out instead of a frame the peer refuses.
    const second = openLink(fake);
    second.send({ ...hello, serverId: 'peer-two' });
    const stated = vectors(second);
    expect(stated.every((decoded) => decoded.ok)).toBe(true);
    expect(stated.flatMap((decoded) => (decoded.ok && decoded.value.type === 'peer-vector' ? decoded.value.replicas : [])).map((r) => r.replicaId)).not.toContain('P');
    // The registration arrives later: it replaces the placeholder (which had first_seen 0 and would otherwise win).
    first.send({ type: 'peer-vector', replicas: [{ replicaId: 'P', user: 'pat', home: 'peer-one', firstSeen: 5, seq: 1, hash: null }], done: false });
    const third = openLink(fake);
    third.send({ ...hello, serverId: 'peer-three' });
    const replicas = vectors(third).flatMap((decoded) => (decoded.ok && decoded.value.type === 'peer-vector' ? decoded.value.replicas : []));
    expect(replicas.find((r) => r.replicaId === 'P')).toMatchObject({ user: 'pat', home: 'peer-one', firstSeen: 5, seq: 1 });
  });

  test('a peer-baselines frame carrying a write both in a baseline and among its ops stores it once, with no internal error', () => {
    const fake = createFakeServer({ verifyToken: verify });
    const link = openLink(fake);
    link.send(hello);
    link.send(vectorDone);
    const [op] = wireOps('P', 1, 1) as [ReturnType<typeof wireOps>[number]];
    const baseline = { collection: op.collection, id: op.id, replicaId: op.replicaId, ts: op.ts, state: { entries: [{ stamp: `${op.ts}${op.replicaId}`, seq: op.seq, change: op.change }] } };
    link.send({ type: 'peer-baselines', baselines: [baseline], ops: [op], progress: { received: 2, total: 2 } });
    expect(link.of('error')).toEqual([]);
    expect(fake.logs.filter((l) => l.level === 'error')).toEqual([]);
    expect(fake.server.inspect('lib')?.ops).toBe(1);
  });
});

/**
 * Access control with real signed tokens (jose, HS256) against the server
 * core over SQLite: every way a token can be wrong is refused with its code
 * and close, before anything of the library is sent; every message type is
 * tried with every role; and no connection ever receives data of a library
 * other than the one its token names.
 */
import { SignJWT } from 'jose';
import { describe, expect, test, vi } from 'vitest';
import { ErrorCode } from 'trellis';
import { CloseCode, PROTOCOL_VERSION } from 'trellis/protocol';
import type { ClientMessage, ClientMessageType, ServerMessage } from 'trellis/protocol';
import { createTokenProvider } from 'trellis/server';
import { createMemoryServer } from 'trellis/testing';
import type { MemoryServer } from 'trellis/testing';
import { wireOps } from '../helpers/wire-ops.js';
import { rawClient } from './fuzz/raw-client.js';
import type { RawClient } from './fuzz/raw-client.js';

const SECRET = 'access-control-secret-0123456789abcdef';
const key = new TextEncoder().encode(SECRET);
const clock = { now: 1_700_000_000_000 };
const tokens = createTokenProvider({ secret: SECRET, now: () => clock.now });
const nowS = () => Math.floor(clock.now / 1000);

function server(): MemoryServer {
  const memory = createMemoryServer({ now: () => clock.now, verifyToken: tokens.verify });
  return memory;
}

/** Waits until `condition` holds: a condition, never a time (the timeout is a safety net). */
function until(condition: () => boolean): Promise<void> {
  return vi.waitFor(
    () => {
      if (!condition()) throw new Error('not yet');
    },
    { timeout: 5_000, interval: 1 },
  );
}

/** Resolves once `count` messages arrived, or the server closed the socket (jose verifies asynchronously). */
async function answered(client: RawClient, count = 1): Promise<void> {
  await until(() => client.inbox.length >= count || client.closedWith() !== undefined);
}

/** A frame that does not decode: the server answers it with PROTOCOL_INVALID_MESSAGE and changes nothing. */
const PROBE = 'probe: not a frame';
const isProbeAnswer = (m: ServerMessage) => m.type === 'error' && m.code === ErrorCode.PROTOCOL_INVALID_MESSAGE;

/**
 * The positive signal that the server handled every frame sent so far: a
 * connection handles its frames in arrival order, so the answer to a probe
 * sent last comes after every answer to them. Or the socket closed (then
 * nothing more is handled). The probe's answer is taken out of the inbox.
 */
async function settled(client: RawClient): Promise<void> {
  const from = client.inbox.length;
  client.send(PROBE);
  await until(() => client.closedWith() !== undefined || client.inbox.slice(from).some(isProbeAnswer));
  // The last probe answer is the probe's (an earlier frame's error of the same code comes before it).
  const at = client.inbox.map(isProbeAnswer).lastIndexOf(true);
  if (at >= from) client.inbox.splice(at, 1);
}

async function connect(memory: MemoryServer, o: { library: string; token: string | null }): Promise<RawClient> {
  return rawClient(memory, o);
}

const hello = (replicaId: string, extra: Partial<Extract<ClientMessage, { type: 'hello' }>> = {}): ClientMessage => ({
  type: 'hello',
  protocol: PROTOCOL_VERSION,
  replicaId,
  cursor: null,
  localSeq: 0,
  atRisk: 0,
  ...extra,
});
const send = (client: RawClient, message: ClientMessage) => client.send(JSON.stringify(message));
const DATA: ServerMessage['type'][] = ['decision', 'ops', 'snapshot', 'synced', 'ack', 'horizon'];

/** Library `lib` seeded by ada's replica A with two ops. */
async function seededLibrary(memory: MemoryServer, library = 'lib'): Promise<void> {
  const a = await connect(memory, { library, token: await tokens.issue({ library, user: 'ada', role: 'write', expiresIn: '1h' }) });
  send(a, hello('A', { localSeq: 2, atRisk: 2 }));
  send(a, { type: 'seed', baselines: [], ops: wireOps('A', 1, 2, { collection: library }), done: true });
  await answered(a, 2);
  a.disconnect();
}

const bad = {
  'no token': async () => null,
  'a string that is not a JWT': async () => 'not-a-jwt',
  'a bad signature': () => createTokenProvider({ secret: 'another-secret-0123456789abcdef' }).issue({ library: 'lib', user: 'eve', role: 'write', expiresIn: '1h' }),
  'an expired token': () => createTokenProvider({ secret: SECRET, now: () => clock.now - 7_200_000 }).issue({ library: 'lib', user: 'ada', role: 'write', expiresIn: '1h' }),
  'a token not yet valid (nbf)': () => new SignJWT({ lib: 'lib', role: 'write' }).setProtectedHeader({ alg: 'HS256' }).setSubject('ada').setAudience('trellis').setIssuedAt(nowS()).setNotBefore(nowS() + 3600).setExpirationTime(nowS() + 7200).sign(key),
  'a token for another library': () => tokens.issue({ library: 'other', user: 'ada', role: 'write', expiresIn: '1h' }),
  'a token for another audience': () => createTokenProvider({ secret: SECRET, audience: 'billing', now: () => clock.now }).issue({ library: 'lib', user: 'ada', role: 'write', expiresIn: '1h' }),
  'a token with an unknown role': () => new SignJWT({ lib: 'lib', role: 'owner' }).setProtectedHeader({ alg: 'HS256' }).setSubject('ada').setAudience('trellis').setIssuedAt(nowS()).setExpirationTime(nowS() + 3600).sign(key),
  'a token signed with another algorithm': () => new SignJWT({ lib: 'lib', role: 'write' }).setProtectedHeader({ alg: 'HS512' }).setSubject('ada').setAudience('trellis').setIssuedAt(nowS()).setExpirationTime(nowS() + 3600).sign(new Uint8Array(64).fill(7)),
} as const;
const expectations: Record<keyof typeof bad, [ErrorCode, CloseCode]> = {
  'no token': [ErrorCode.AUTH_TOKEN_MISSING, CloseCode.AUTH_INVALID],
  'a string that is not a JWT': [ErrorCode.AUTH_TOKEN_MISSING, CloseCode.AUTH_INVALID],
  'a bad signature': [ErrorCode.AUTH_TOKEN_INVALID, CloseCode.AUTH_INVALID],
  'an expired token': [ErrorCode.AUTH_TOKEN_EXPIRED, CloseCode.AUTH_EXPIRED],
  'a token not yet valid (nbf)': [ErrorCode.AUTH_TOKEN_INVALID, CloseCode.AUTH_INVALID],
  'a token for another library': [ErrorCode.AUTH_WRONG_LIBRARY, CloseCode.AUTH_WRONG_LIBRARY],
  'a token for another audience': [ErrorCode.AUTH_TOKEN_INVALID, CloseCode.AUTH_INVALID],
  'a token with an unknown role': [ErrorCode.AUTH_TOKEN_INVALID, CloseCode.AUTH_INVALID],
  'a token signed with another algorithm': [ErrorCode.AUTH_TOKEN_INVALID, CloseCode.AUTH_INVALID],
};

describe('tokens', () => {
  test.each(Object.keys(bad) as (keyof typeof bad)[])('%s is refused with its code and close, and sees nothing of the library', async (name) => {
    const memory = server();
    try {
      await seededLibrary(memory);
      const client = await connect(memory, { library: 'lib', token: await bad[name]() });
      send(client, hello('E'));
      send(client, { type: 'push', ops: wireOps('E', 1, 1) });
      // The refusal closes the socket: once closed, the server handles nothing more of it.
      await until(() => client.closedWith() !== undefined);
      const [code, close] = expectations[name];
      expect(client.inbox).toMatchObject([{ type: 'error', code }]);
      expect(client.closedWith()?.code).toBe(close);
      expect(memory.sql.exec("SELECT COUNT(*) AS n FROM ops WHERE replica = 'E'")).toEqual([{ n: 0 }]);
    } finally {
      memory.close();
    }
  });

  test('a read token may receive but its push is AUTH_FORBIDDEN; nothing is stored', async () => {
    const memory = server();
    try {
      await seededLibrary(memory);
      const reader = await connect(memory, { library: 'lib', token: await tokens.issue({ library: 'lib', user: 'rita', role: 'read', expiresIn: '1h' }) });
      send(reader, hello('R'));
      send(reader, { type: 'join', replicaId: 'R2' });
      send(reader, { type: 'push', ops: wireOps('R2', 1, 1) });
      await settled(reader);
      expect(reader.inbox.map((m) => (m.type === 'error' ? m.code : m.type))).toEqual(['decision', 'snapshot', 'synced', 'AUTH_FORBIDDEN']);
      expect(reader.closedWith()).toBeUndefined();
      expect(memory.sql.exec("SELECT COUNT(*) AS n FROM ops WHERE replica = 'R2'")).toEqual([{ n: 0 }]);
    } finally {
      memory.close();
    }
  });

  test('after an eviction with revokeTokens, an older token is AUTH_TOKEN_REVOKED (4001) and cannot re-create the library; a new one can', async () => {
    const memory = server();
    try {
      const old = await tokens.issue({ library: 'lib', user: 'ada', role: 'write', expiresIn: '1h' });
      await seededLibrary(memory);
      const open = await connect(memory, { library: 'lib', token: old });
      send(open, hello('A', { localSeq: 2 }));
      await answered(open);
      clock.now += 1000;
      memory.server.evict('lib', { revokeTokens: true });
      expect(open.closedWith()?.code).toBe(CloseCode.LIBRARY_EVICTED);
      // Frames the evicted connection still sends change nothing.
      send(open, { type: 'push', ops: wireOps('A', 3, 3) });
      const again = await connect(memory, { library: 'lib', token: old });
      send(again, hello('A', { localSeq: 2, atRisk: 2 }));
      await answered(again);
      expect(again.inbox).toMatchObject([{ type: 'error', code: ErrorCode.AUTH_TOKEN_REVOKED }]);
      expect(again.closedWith()?.code).toBe(CloseCode.AUTH_INVALID);
      expect(memory.sql.exec('SELECT COUNT(*) AS n FROM ops')).toEqual([{ n: 0 }]);
      clock.now += 1000;
      const fresh = await connect(memory, { library: 'lib', token: await tokens.issue({ library: 'lib', user: 'ada', role: 'write', expiresIn: '1h' }) });
      send(fresh, hello('A', { localSeq: 2, atRisk: 2 }));
      await answered(fresh);
      expect(fresh.inbox[0]).toMatchObject({ type: 'decision', decision: 'accept' });
    } finally {
      memory.close();
    }
  });

  test('after a plain eviction the same token is admitted to the new epoch, where its old cursor is reset', async () => {
    const memory = server();
    try {
      await seededLibrary(memory);
      const token = await tokens.issue({ library: 'lib', user: 'bob', role: 'write', expiresIn: '1h' });
      const b = await connect(memory, { library: 'lib', token });
      send(b, hello('B'));
      send(b, { type: 'join', replicaId: 'B2' });
      await answered(b, 3);
      const epoch = (b.inbox[0] as { epoch: string }).epoch;
      memory.server.evict('lib');
      await seededLibrary(memory);
      const back = await connect(memory, { library: 'lib', token });
      send(back, hello('B2', { cursor: { epoch, serverSeq: 2 } }));
      await answered(back);
      expect(back.inbox[0]).toMatchObject({ type: 'decision', decision: 'reset', reason: 'library-reset' });
    } finally {
      memory.close();
    }
  });
});

type Role = 'write' | 'read';
const TYPES: ClientMessageType[] = ['hello', 'seed', 'push', 'cursor', 'join', 'presence'];

/** Puts a connection of `role` in the phase where `type` is valid, then sends it; returns what came back for it. */
async function tryMessage(memory: MemoryServer, role: Role, type: ClientMessageType): Promise<string[]> {
  const library = type === 'seed' ? `empty-${role}` : 'lib';
  const client = await connect(memory, { library, token: await tokens.issue({ library, user: `${role}-user`, role, expiresIn: '1h' }) });
  const id = `${role}${type}`;
  if (type !== 'hello') {
    send(client, hello(id, type === 'seed' ? { localSeq: 1, atRisk: 1 } : {}));
    const live = type === 'push' || type === 'cursor' || type === 'presence';
    if (live) send(client, { type: 'join', replicaId: `${id}2` });
    await answered(client, live ? 3 : 1);
  }
  const before = client.inbox.length;
  const message: ClientMessage =
    type === 'hello' ? hello(id)
    : type === 'seed' ? { type: 'seed', baselines: [], ops: wireOps(id, 1, 1), done: true }
    : type === 'push' ? { type: 'push', ops: wireOps(`${id}2`, 1, 1) }
    : type === 'cursor' ? { type: 'cursor', serverSeq: 1 }
    : type === 'presence' ? { type: 'presence', state: { viewing: 'list' } }
    : { type: 'join', replicaId: `${id}2` };
  send(client, message);
  await settled(client);
  const answers = client.inbox.slice(before).map((m) => (m.type === 'error' ? m.code : m.type));
  client.disconnect();
  return answers;
}

/** What each role gets for each message, in the phase where the message is valid (PROTOCOL.md sections 2 and 9). */
const MATRIX: Record<Role, Record<ClientMessageType, string[]>> = {
  write: { hello: ['decision'], seed: ['synced'], push: ['ack'], cursor: [], join: ['snapshot', 'synced'], presence: ['presence'] },
  read: { hello: ['decision'], seed: ['AUTH_FORBIDDEN'], push: ['AUTH_FORBIDDEN'], cursor: [], join: ['snapshot', 'synced'], presence: ['presence'] },
};

describe('every message type × every role', () => {
  test.each((['write', 'read'] as Role[]).flatMap((role) => TYPES.map((type) => [role, type] as const)))('%s token, %s', async (role, type) => {
    const memory = server();
    try {
      await seededLibrary(memory);
      const opsBefore = memory.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM ops')[0]?.n;
      expect(await tryMessage(memory, role, type)).toEqual(MATRIX[role][type]);
      const opsAfter = memory.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM ops')[0]?.n;
      expect(opsAfter! - opsBefore!).toBe(role === 'write' && (type === 'push' || type === 'seed') ? 1 : 0);
    } finally {
      memory.close();
    }
  });

  test.each(TYPES)('refused tokens: %s gets no answer after the refusal, and nothing is stored', async (type) => {
    const memory = server();
    try {
      await seededLibrary(memory);
      for (const name of Object.keys(bad) as (keyof typeof bad)[]) {
        const client = await connect(memory, { library: 'lib', token: await bad[name]() });
        send(client, type === 'hello' ? hello('E') : type === 'push' ? { type: 'push', ops: wireOps('E', 1, 1) } : type === 'seed' ? { type: 'seed', baselines: [], ops: wireOps('E', 1, 1), done: true } : type === 'cursor' ? { type: 'cursor', serverSeq: 1 } : { type: 'join', replicaId: 'E2' });
        await until(() => client.closedWith() !== undefined);
        expect(client.inbox.map((m) => m.type), name).toEqual(['error']);
      }
      expect(memory.sql.exec("SELECT COUNT(*) AS n FROM ops WHERE replica LIKE 'E%'")).toEqual([{ n: 0 }]);
    } finally {
      memory.close();
    }
  });
});

describe('libraries are isolated', () => {
  test('no connection ever receives data of a library its token does not name', async () => {
    const memory = server();
    try {
      await seededLibrary(memory, 'red');
      await seededLibrary(memory, 'blue');
      const received: { library: string; message: ServerMessage }[] = [];
      const watch = async (library: string, role: Role, replicaId: string) => {
        const client = await connect(memory, { library, token: await tokens.issue({ library, user: replicaId, role, expiresIn: '1h' }) });
        send(client, hello(replicaId));
        send(client, { type: 'join', replicaId: `${replicaId}2` });
        await answered(client, 3);
        return { library, client };
      };
      const watchers = [await watch('red', 'read', 'r1'), await watch('blue', 'read', 'b1'), await watch('blue', 'write', 'b2')];
      // A token for blue on red's path, and writes on both libraries while everyone listens.
      const crossed = await connect(memory, { library: 'red', token: await tokens.issue({ library: 'blue', user: 'b3', role: 'write', expiresIn: '1h' }) });
      send(crossed, hello('X'));
      const writer = watchers[2]!.client;
      send(writer, { type: 'push', ops: wireOps('b22', 1, 3, { collection: 'blue' }) });
      await seededLibrary(memory, 'green');
      await answered(writer, 4);
      for (const { client } of watchers) await settled(client);
      for (const { library, client } of watchers) for (const message of client.inbox) received.push({ library, message });
      expect(crossed.inbox.map((m) => m.type)).toEqual(['error']);
      const collectionsSeen = received.flatMap(({ library, message }) => {
        const ops = message.type === 'ops' || message.type === 'snapshot' ? message.ops.map((e) => e.op.collection) : [];
        const baselines = message.type === 'snapshot' ? message.baselines.map((b) => b.collection) : [];
        return [...ops, ...baselines].map((collection) => ({ library, collection }));
      });
      expect(collectionsSeen.length).toBeGreaterThan(3);
      expect(collectionsSeen.filter(({ library, collection }) => library !== collection)).toEqual([]);
      expect(received.filter(({ message }) => DATA.includes(message.type)).length).toBeGreaterThan(0);
    } finally {
      memory.close();
    }
  });
});

/**
 * A server's `ack` or `reject` naming an own seq this replica never wrote (a
 * buggy or hostile server) is a protocol error: the engine drops it and shows
 * PROTOCOL_INVALID_MESSAGE, and the acknowledged seq never passes the local
 * seq, so later writes are still pushed. Exactly the local seq is accepted.
 * Real store, sync and server core; the frames are injected into the
 * client's transport as if the server had sent them.
 */
import { firstValueFrom } from 'rxjs';
import { describe, expect, onTestFinished, test } from 'vitest';
import { ErrorCode } from 'trellis';
import { createSync } from 'trellis/sync';
import type { Rejection, SyncState, Transport, TransportFactory } from 'trellis/sync';
import { createMemoryServer, createNetwork, testToken } from 'trellis/testing';
import type { ServerMessage } from 'trellis/protocol';
import { getStoreHost } from '../../src/store/index.js';
import { testDatabase } from '../helpers/open-test-store.js';
import { expectCode } from '../helpers/expect-code.js';
import { turn } from './helpers.js';

/** Runs the event loop until `done` holds (bounded). */
async function until(done: () => boolean | Promise<boolean>, turns = 5000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (await done()) return;
    await turn();
  }
  throw new Error('condition not reached');
}

/** The network's transport, with a way to hand the client a frame as if the server had sent it. */
function injectable(factory: TransportFactory): { factory: TransportFactory; inject(message: ServerMessage): void } {
  let listeners: ((frame: string) => void)[] = [];
  const wrapped: TransportFactory = (options) => {
    const inner: Transport = factory(options);
    listeners = [];
    return {
      send: (frame) => inner.send(frame),
      onMessage: (listener) => (listeners.push(listener), inner.onMessage(listener)),
      onOpen: (listener) => inner.onOpen(listener),
      onClose: (listener) => inner.onClose(listener),
      close: () => inner.close(),
      reconnect: () => inner.reconnect?.(),
    };
  };
  return { factory: wrapped, inject: (message) => listeners.forEach((l) => l(JSON.stringify(message))) };
}

async function live() {
  const memory = createMemoryServer({});
  const network = createNetwork({ server: memory, seed: 1 });
  const transport = injectable(network.transport('a'));
  const store = await testDatabase().open();
  const sync = createSync(store, { url: 'ws://memory', library: 'lib', token: testToken({ library: 'lib', user: 'a' }), transport: transport.factory });
  let state: SyncState = { phase: 'connecting', pending: 0 };
  sync.state.subscribe((s) => (state = s));
  const rejections: Rejection[] = [];
  sync.rejections.subscribe((r) => rejections.push(r));
  onTestFinished(async () => {
    await sync.stop();
    await store.close();
    network.close();
    memory.close();
  });
  const settle = async () => {
    let quiet = 0;
    for (let i = 0; i < 20_000 && quiet < 40; i++) {
      quiet = network.deliver(100) > 0 ? 0 : quiet + 1;
      await turn();
    }
  };
  const host = getStoreHost(store);
  const todos = store.collection('todos');
  await todos.put({ id: 't', title: 'one', createdAt: 1 });
  await settle();
  expect(state).toMatchObject({ phase: 'live', pending: 0 });
  const replicaId = await host.replicaId();
  const serverSeqs = () => memory.sql.exec<{ seq: number }>('SELECT seq FROM ops WHERE replica = ? ORDER BY seq', replicaId).map((r) => r.seq);
  const pushQueued = () => network.queued('a', 'to-server').some((f) => typeof f === 'string' && JSON.parse(f).type === 'push');
  return { network, host, todos, replicaId, settle, serverSeqs, pushQueued, rejections, state: () => state, inject: transport.inject };
}

const ack = (replicaId: string, seq: number): ServerMessage => ({ type: 'ack', replicaId, fromSeq: seq, toSeq: seq, firstServerSeq: 1 });
const reject = (replicaId: string, seq: number): ServerMessage => ({ type: 'reject', replicaId, seq, collection: 'todos', id: 't', code: ErrorCode.RULE_REJECTED, message: 'no' });

describe.each([
  { past: 'one past the local seq', seq: (local: number) => local + 1 },
  { past: 'a huge seq', seq: () => Number.MAX_SAFE_INTEGER },
])('a frame naming $past', ({ seq }) => {
  test.each([
    { frame: 'ack', message: ack },
    { frame: 'reject', message: reject },
  ])('an $frame is refused as a protocol error: nothing is acknowledged or rolled back, the next write is pushed', async ({ message }) => {
    const a = await live();
    const local = await a.host.localSeq();
    expect(await a.host.acknowledgedSeq()).toBe(local);
    a.inject(message(a.replicaId, seq(local)));
    await until(() => a.state().error !== undefined);
    expect(a.state().error?.code).toBe(ErrorCode.PROTOCOL_INVALID_MESSAGE);
    expect(await a.host.acknowledgedSeq()).toBe(local);
    expect(a.rejections).toEqual([]);
    expect(await firstValueFrom(a.todos.get('t'))).toMatchObject({ title: 'one' });

    await a.todos.put({ id: 'u', title: 'two', createdAt: 2 });
    await a.settle();
    expect(a.serverSeqs()).toEqual([local, local + 1]);
    expect(await a.host.acknowledgedSeq()).toBe(local + 1);
    expect(a.state()).toMatchObject({ phase: 'live', pending: 0 });
  });
});

describe('a frame naming exactly the local seq', () => {
  test('an ack for the op just pushed is accepted', async () => {
    const a = await live();
    await a.todos.put({ id: 'u', title: 'two', createdAt: 2 });
    const local = await a.host.localSeq();
    await until(a.pushQueued);
    a.inject(ack(a.replicaId, local));
    await until(async () => (await a.host.acknowledgedSeq()) === local);
    expect(a.state().error).toBeUndefined();
  });

  test('a reject for the op just pushed rolls it back', async () => {
    const a = await live();
    await a.todos.put({ id: 'u', title: 'two', createdAt: 2 });
    const local = await a.host.localSeq();
    await until(a.pushQueued);
    a.inject({ ...reject(a.replicaId, local), id: 'u' } as ServerMessage);
    await until(() => a.rejections.length === 1);
    expect(a.rejections).toEqual([{ collection: 'todos', id: 'u', code: ErrorCode.RULE_REJECTED, message: 'no' }]);
    expect(await firstValueFrom(a.todos.get('u'))).toBeUndefined();
    expect(await a.host.acknowledgedSeq()).toBe(local);
    expect(a.state().error).toBeUndefined();
  });
});

describe('the store itself (whatever its caller)', () => {
  test('acknowledge and rollBack of a seq past the last one allocated are refused and change nothing', async () => {
    const store = await testDatabase().open();
    onTestFinished(() => store.close());
    const host = getStoreHost(store);
    await store.collection('todos').put({ id: 't', title: 'one', createdAt: 1 });
    await store.collection('todos').put({ id: 'u', title: 'two', createdAt: 2 });
    const local = await host.localSeq();
    await expectCode(host.acknowledge({ fromSeq: 1, toSeq: Number.MAX_SAFE_INTEGER }), ErrorCode.PROTOCOL_INVALID_MESSAGE);
    await expectCode(host.acknowledge({ fromSeq: 1, toSeq: local + 1, firstServerSeq: 1 }), ErrorCode.PROTOCOL_INVALID_MESSAGE);
    expect(await host.acknowledgedSeq()).toBe(0);
    expect(await host.readUnacknowledged(10)).toHaveLength(local);
    // Exactly the local seq: acknowledged.
    await host.acknowledge({ fromSeq: 1, toSeq: local });
    expect(await host.acknowledgedSeq()).toBe(local);
    await store.collection('todos').put({ id: 'v', title: 'three', createdAt: 3 });
    await expectCode(host.rollBack({ seq: local + 2, collection: 'todos', id: 'v' }), ErrorCode.PROTOCOL_INVALID_MESSAGE);
    expect(await host.acknowledgedSeq()).toBe(local);
    expect(await host.readUnacknowledged(10)).toMatchObject([{ seq: local + 1, id: 'v' }]);
    expect(await firstValueFrom(store.collection('todos').get('v'))).toMatchObject({ title: 'three' });
  });
});

/**
 * trellis/vue's composables in Node, on real stores (fake-indexeddb) and, for
 * sync, a real Node server on 127.0.0.1: loading is not an empty result, a
 * local update reaches the ref inside the call, reactive inputs resubscribe,
 * and disposing the scope ends every subscription.
 */
import { Observable, Subject } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { effectScope, nextTick, ref, watch, type EffectScope, type Ref } from 'vue';
import { isTrellisError } from 'trellis';
import { presence } from 'trellis/presence';
import { useDoc, useJoinLibrary, usePresence, useQuery, useSyncState, AT_RISK_FORMAT, type LiveResult } from 'trellis/vue';
import { openTestStore, type TodoStore } from '../../helpers/open-test-store.js';
import { eventually, openReplica, startTestServer, type TestServer } from '../../helpers/sync-harness.js';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** Runs `setup` in a scope of its own, stopped after the test (or earlier by the test). */
function inScope<T>(setup: () => T): { value: T; scope: EffectScope } {
  const scope = effectScope();
  cleanup.push(() => scope.stop());
  return { value: scope.run(setup) as T, scope };
}

/** Resolves with the ref's value once it satisfies `predicate` (a positive signal: the watcher saw it). */
function until<T>(source: Readonly<Ref<T>>, predicate: (value: T) => boolean): Promise<T> {
  return new Promise((resolve) => {
    const stop = watch(
      source,
      (value) => {
        if (!predicate(value)) return;
        queueMicrotask(() => stop());
        resolve(value);
      },
      { immediate: true, flush: 'sync' },
    );
  });
}
const ready = <T>(result: LiveResult<T>): result is { status: 'ready'; data: T } => result.status === 'ready';

/** Wraps Observables so that `active()` counts the live subscriptions to all of them. */
function subscriptionCounter(): { track<T>(inner: Observable<T>): Observable<T>; active(): number } {
  let active = 0;
  return {
    track: (inner) =>
      new Observable((subscriber) => {
        active++;
        const subscription = inner.subscribe(subscriber);
        return () => {
          active--;
          subscription.unsubscribe();
        };
      }),
    active: () => active,
  };
}

async function openStore(): Promise<TodoStore> {
  const store = await openTestStore();
  cleanup.push(() => store.close());
  return store;
}

describe('useQuery and useDoc', () => {
  it('is loading until the first result, then ready with an empty list, then with what was put', async () => {
    const store = await openStore();
    const todos = store.collection('todos');
    const { value: list } = inScope(() => useQuery(() => todos.find({ orderBy: 'createdAt' })));
    expect(list.value).toEqual({ status: 'loading' });
    expect(await until(list, ready)).toEqual({ status: 'ready', data: [] });
    await todos.put({ id: 'a', title: 'First', createdAt: 1 });
    const shown = await until(list, (r) => ready(r) && r.data.length === 1);
    expect(ready(shown) && shown.data.map((t) => t.title)).toEqual(['First']);
  });

  it('shows a local update in the ref before update() returns its promise (a checkbox does not flip back)', async () => {
    const store = await openStore();
    const todos = store.collection('todos');
    await todos.put({ id: 'a', title: 'First', createdAt: 1 });
    const { value: list } = inScope(() => useQuery(() => todos.find({ orderBy: 'createdAt' })));
    await until(list, (r) => ready(r) && r.data.length === 1);
    const writing = todos.update('a', { done: true });
    const now = list.value;
    expect(ready(now) && now.data[0]?.done).toBe(true);
    await writing;
  });

  it('resubscribes when a reactive value the query reads changes, and ends the old query', async () => {
    const store = await openStore();
    const todos = store.collection('todos');
    await todos.put({ id: 'a', title: 'Open', createdAt: 1 });
    await todos.put({ id: 'b', title: 'Done', createdAt: 2, done: true });
    const done = ref(false);
    const counter = subscriptionCounter();
    const { value: list } = inScope(() => useQuery(() => counter.track(todos.find({ where: { done: done.value } }))));
    const first = await until(list, ready);
    expect(ready(first) && first.data.map((t) => t.title)).toEqual(['Open']);
    done.value = true;
    await nextTick();
    expect(counter.active()).toBe(1);
    const second = await until(list, (r) => ready(r) && r.data[0]?.title === 'Done');
    expect(ready(second) && second.data.map((t) => t.title)).toEqual(['Done']);
  });

  it('ends the subscription when the scope is disposed', async () => {
    const store = await openStore();
    const counter = subscriptionCounter();
    const { value: list, scope } = inScope(() => useQuery(() => counter.track(store.collection('todos').find({}))));
    await until(list, ready);
    expect(counter.active()).toBe(1);
    scope.stop();
    expect(counter.active()).toBe(0);
  });

  it('reports a failing query as an error, not as loading', () => {
    const subject = new Subject<number>();
    const { value: result } = inScope(() => useQuery(() => subject));
    subject.error(new Error('boom'));
    expect(result.value).toMatchObject({ status: 'error', error: { message: 'boom' } });
  });

  it('reports a query that throws when it is made as an error, and recovers when its input changes', async () => {
    const store = await openStore();
    const id = ref('');
    const { value: result } = inScope(() =>
      useQuery(() => {
        if (id.value === '') throw new Error('pick a document');
        return store.collection('todos').get(id.value);
      }),
    );
    expect(result.value).toMatchObject({ status: 'error', error: { message: 'pick a document' } });
    id.value = 'a';
    expect(await until(result, ready)).toEqual({ status: 'ready', data: undefined });
  });

  it('useDoc is ready with undefined for a missing document, and follows a ref id', async () => {
    const store = await openStore();
    const todos = store.collection('todos');
    await todos.put({ id: 'a', title: 'A', createdAt: 1 });
    const id = ref('missing');
    const { value: doc } = inScope(() => useDoc(todos, id));
    expect(await until(doc, ready)).toEqual({ status: 'ready', data: undefined });
    id.value = 'a';
    const found = await until(doc, (r) => ready(r) && r.data !== undefined);
    expect(ready(found) && found.data?.title).toBe('A');
  });

  it('refuses to run outside a setup() or effect scope (nothing would end its subscription), subscribing to nothing', () => {
    const counter = subscriptionCounter();
    let thrown: unknown;
    try {
      useQuery(() => counter.track(new Subject<number>()));
    } catch (err) {
      thrown = err;
    }
    expect(isTrellisError(thrown, 'INVALID_ARGUMENT')).toBe(true);
    expect((thrown as Error).message).toContain('setup()');
    expect(counter.active()).toBe(0);
  });
});

describe('sync composables against a real server', () => {
  let server: TestServer;
  const start = async () => {
    server = await startTestServer();
    cleanup.push(() => server.dispose());
    return server;
  };

  it('useJoinLibrary: a late joiner is asked to join with the count, downloads what is at risk, and joins', async () => {
    await start();
    const first = await openReplica(server, 'vue-join', { connect: false });
    cleanup.push(() => first.close());
    await first.store.collection('todos').put({ id: 'a', title: 'In the library', createdAt: 1 });
    first.connect();
    await first.settle();
    const late = await openReplica(server, 'vue-join', { connect: false, autoJoin: 'never' });
    cleanup.push(() => late.close());
    await late.store.collection('todos').put({ id: 'x', title: 'Offline', createdAt: 2 });
    late.connect();

    const { value: prompt } = inScope(() => ({ ...useJoinLibrary(late.sync), state: useSyncState(late.sync) }));
    await until(prompt.required, Boolean);
    expect({ reason: prompt.reason.value, atRisk: prompt.atRisk.value }).toEqual({ reason: 'late-joiner', atRisk: 1 });
    const saved = JSON.parse(await (await prompt.downloadAtRisk()).text()) as { format: string; version: number; replicaId: string; ops: { id: string }[] };
    expect({ format: saved.format, version: saved.version, replicaId: saved.replicaId, ids: saved.ops.map((op) => op.id) }).toEqual({
      format: AT_RISK_FORMAT,
      version: 1,
      replicaId: late.store.replicaId,
      ids: ['x'],
    });

    await prompt.join();
    await until(prompt.state, (s) => s.phase === 'live');
    expect({ required: prompt.required.value, reason: prompt.reason.value, atRisk: prompt.atRisk.value }).toEqual({ required: false, reason: undefined, atRisk: 0 });
  });

  it('usePresence: shows the other replica and this one\'s own state, and stops watching with the scope', async () => {
    await start();
    const ada = await openReplica(server, 'vue-presence', { plugins: [presence()] });
    const bob = await openReplica(server, 'vue-presence', { plugins: [presence()] });
    cleanup.push(() => ada.close(), () => bob.close());
    bob.sync.presence.set({ viewing: 'list-1' });
    const bobSees = bob.sync.presence.peers$.subscribe();
    cleanup.push(() => bobSees.unsubscribe());

    const { value: view, scope } = inScope(() => usePresence(ada.sync));
    expect(view.self.value).toBeNull();
    const peers = await until(view.peers, (users) => users.some((u) => u.replicas.some((r) => r.state?.viewing === 'list-1')));
    expect(peers).toHaveLength(1);
    view.set({ viewing: 'list-2' });
    expect(view.self.value).toEqual({ viewing: 'list-2' });
    expect(ada.sync.presence.self).toEqual({ viewing: 'list-2' });
    scope.stop();
    // The ref no longer follows the server once its scope is gone: ada hears of bob's move, the ref does not.
    const last = view.peers.value;
    bob.sync.presence.set({ viewing: 'list-3' });
    await eventually(ada.sync.presence.peers$, (users) => users.some((u) => u.replicas.some((r) => r.state?.viewing === 'list-3')));
    expect(view.peers.value).toBe(last);
  });
});

/**
 * The store inspector behind trellis/devtools (inspectStore): the op log's
 * tail, the replica's counters and meta, one document's merge state. On
 * fake-indexeddb stores, and against a real Node server for what the server
 * holds.
 */
import { firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectStore, type InspectedOp } from 'trellis/devtools';
import { openTestStore } from '../../helpers/open-test-store.js';
import { eventually, openReplica, startTestServer, type TestServer } from '../../helpers/sync-harness.js';
import { expectCode } from '../../helpers/expect-code.js';

const described = (ops: InspectedOp[]) => ops.map(({ op, onServer }) => `${op.collection}/${op.id}#${op.seq}:${op.change.kind}:${onServer ? 'server' : 'local'}`);

describe('inspectStore on a store alone', () => {
  it('refuses anything but a store createStore() made', () => {
    expect(() => inspectStore({})).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('shows the log tail newest last, local only, and at most `limit` ops', async () => {
    const store = await openTestStore();
    const todos = store.collection('todos');
    await todos.put({ id: 'a', title: 'A', createdAt: 1 });
    await store.transaction(async () => {
      await todos.put({ id: 'b', title: 'B', createdAt: 2 });
      await todos.update('a', { done: true });
    });
    const inspector = inspectStore(store);
    expect(described(await firstValueFrom(inspector.opLogTail()))).toEqual(['todos/a#1:put:local', 'todos/b#2:put:local', 'todos/a#3:set:local']);
    // Edge: one op, from a run of two (the transaction wrote one row).
    expect(described(await firstValueFrom(inspector.opLogTail(1)))).toEqual(['todos/a#3:set:local']);
    await store.close();
  });

  it('refuses a limit that is not a positive integer', async () => {
    const store = await openTestStore();
    const inspector = inspectStore(store);
    for (const limit of [0, -1, 1.5, Number.NaN]) expect(() => inspector.opLogTail(limit)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    await store.close();
  });

  it('emits the tail again after a write (live)', async () => {
    const store = await openTestStore();
    const tail = inspectStore(store).opLogTail(10);
    await store.collection('notes').put({ id: 'n', text: 'x' });
    expect(described(await eventually(tail, (ops) => ops.length === 1))).toEqual(['notes/n#1:put:local']);
    await store.collection('notes').delete('n');
    expect(described(await eventually(tail, (ops) => ops.length === 2))).toEqual(['notes/n#1:put:local', 'notes/n#2:delete:local']);
    await store.close();
  });

  it("shows a document's merge state: the document, its stamped writes and the log's ops", async () => {
    const store = await openTestStore();
    const todos = store.collection('todos');
    await todos.put({ id: 'a', title: 'A', createdAt: 1 });
    await todos.update('a', { title: 'A2' });
    await todos.put({ id: 'other', title: 'O', createdAt: 2 });
    const state = await inspectStore(store).mergeState('todos', 'a');
    expect(state.document).toMatchObject({ id: 'a', title: 'A2' });
    expect(state.head?.entries.map((e) => [e.stamp.slice(13), e.seq, e.change.kind])).toEqual([
      [store.replicaId, 1, 'put'],
      [store.replicaId, 2, 'set'],
    ]);
    expect(state.ops.map(({ op }) => op.seq)).toEqual([1, 2]);
    expect(state.compacted).toBe(0);
    await store.close();
  });

  it('counts the writes compaction moved into the baseline, and shows a deleted or unknown document', async () => {
    const store = await openTestStore();
    const todos = store.collection('todos');
    await todos.put({ id: 'a', title: 'A', createdAt: 1 });
    await todos.put({ id: 'gone', title: 'G', createdAt: 1 });
    await todos.delete('gone');
    await store.compact();
    const inspector = inspectStore(store);
    const compacted = await inspector.mergeState('todos', 'a');
    expect({ ops: compacted.ops.length, compacted: compacted.compacted, entries: compacted.head?.entries.length }).toEqual({ ops: 0, compacted: 1, entries: 1 });
    const deleted = await inspector.mergeState('todos', 'gone');
    expect(deleted.document).toBeUndefined();
    expect(deleted.head?.entries.at(-1)?.change.kind).toBe('delete');
    const unknown = await inspector.mergeState('todos', 'never-written');
    expect(unknown).toEqual({ collection: 'todos', id: 'never-written', document: undefined, head: undefined, compacted: 0, ops: [] });
    // A collection this schema does not know is looked up among the heads of unknown collections.
    expect((await inspector.mergeState('not-in-schema', 'x')).head).toBeUndefined();
    await store.close();
  });

  it('refuses a merge state without a collection or an id, changing nothing', async () => {
    const store = await openTestStore();
    const inspector = inspectStore(store);
    await expectCode(inspector.mergeState('', 'a'), 'INVALID_ARGUMENT');
    await expectCode(inspector.mergeState('todos', ''), 'INVALID_ARGUMENT');
    await expectCode(inspector.mergeState('todos', 1 as unknown as string), 'INVALID_ARGUMENT');
    expect(await firstValueFrom(inspector.opLogTail())).toEqual([]);
    await store.close();
  });

  it("shows the replica's identity and counters", async () => {
    const store = await openTestStore();
    await store.collection('notes').put({ id: 'n', text: 'x' });
    const replica = await firstValueFrom(inspectStore(store).replica);
    expect(replica).toMatchObject({ replicaId: store.replicaId, seq: 1, ackedSeq: 0, horizon: undefined });
    expect(replica.meta.replica).toBe(store.replicaId);
    await store.close();
  });
});

describe('inspectStore against a real server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.dispose();
  });

  it('marks acknowledged and received ops as held by the server, with server seqs, and shows the cursor', async () => {
    const a = await openReplica(server, 'inspect-lib');
    await a.waitFor((s) => s.phase === 'live');
    await a.store.collection('notes').put({ id: 'mine', text: 'a' });
    await a.sync.flushed();
    const b = await openReplica(server, 'inspect-lib');
    await b.waitFor((s) => s.phase === 'live');
    await b.store.collection('notes').put({ id: 'theirs', text: 'b' });
    await b.sync.flushed();
    const tail = await eventually(inspectStore(a.store).opLogTail(), (ops) => ops.length === 2);
    expect(tail.map(({ op, serverSeq, onServer }) => [op.id, op.replicaId === a.store.replicaId, serverSeq, onServer])).toEqual([
      ['mine', true, 1, true],
      ['theirs', false, 2, true],
    ]);
    const replica = await eventually(inspectStore(a.store).replica, (r) => (r.meta['sync:inspect-lib'] as { serverSeq?: number } | undefined)?.serverSeq === 2);
    expect(replica).toMatchObject({ replicaId: a.store.replicaId, seq: 1, ackedSeq: 1 });
    expect(replica.meta.syncLibrary).toBe('inspect-lib');
    await a.close();
    await b.close();
  });
});

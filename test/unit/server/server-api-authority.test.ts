/**
 * The server API on a server with a schema and write rules: its writes meet
 * the schema (a violation throws SCHEMA_VIOLATION before anything is stored,
 * not even a rejection row or a seq), and never the rules, which judge what a
 * token's holder may do; a client whose token names the server's user still
 * meets them.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode, isTrellisError } from 'trellis';
import { SERVER_USER } from 'trellis/server';
import { serverRules, serverSchema, OWNER_ONLY } from '../../helpers/authority.js';
import { createFakeServer } from '../../helpers/fake-sync-server.js';
import type { FakeServer } from '../../helpers/fake-sync-server.js';
import { wireOp } from '../../helpers/wire-ops.js';

function authoritative() {
  const fake = createFakeServer({ schema: serverSchema, rules: serverRules });
  const a = fake.connect('lib', 'write:lib:alice');
  expect(a.hello({ replicaId: 'A' }).decision).toBe('accept');
  a.send({ type: 'seed', baselines: [], ops: [], done: true });
  a.take('synced');
  return { fake, a, api: fake.server.library('lib') };
}

function stored(fake: FakeServer) {
  return {
    ops: fake.sql.exec('SELECT server_seq, replica, seq, collection, id FROM ops ORDER BY server_seq'),
    rejections: fake.sql.exec('SELECT * FROM rejections'),
    replicas: fake.sql.exec('SELECT replica, max_seq FROM replicas ORDER BY replica'),
  };
}

function refusal(write: () => void): unknown {
  try {
    write();
  } catch (err) {
    return err;
  }
  throw new Error('the write was not refused');
}

describe('server API writes on a server with a schema and rules', () => {
  it('a write the schema forbids throws SCHEMA_VIOLATION and stores nothing: no op, no rejection row, no seq', () => {
    const { fake, api } = authoritative();
    const todos = api.collection('todos');
    todos.put({ id: 't', title: 'ok' });
    const before = stored(fake);
    const err = refusal(() => todos.update('t', { title: 42 }));
    expect(isTrellisError(err, ErrorCode.SCHEMA_VIOLATION)).toBe(true);
    expect((err as Error).message).toContain('nothing was stored');
    expect(() => todos.put({ id: 'u', title: ['not', 'a', 'string'] })).toThrow(/nothing was stored/);
    expect(stored(fake)).toEqual(before);
    // The next write takes the next seq: the refused ones used none.
    todos.update('t', { title: 'still ok' });
    const [, second] = fake.sql.exec<{ seq: number }>('SELECT seq FROM ops ORDER BY server_seq');
    expect(second?.seq).toBe(2);
  });

  it('a batch of changes is judged op by op on the state the earlier ones leave: a patch leaving an invalid field is refused whole', () => {
    const { fake, api } = authoritative();
    const todos = api.collection('todos');
    todos.put({ id: 't', title: 'ok' });
    const before = stored(fake);
    expect(() => todos.update('t', { done: true, title: 7 })).toThrow(/title/);
    expect(stored(fake)).toEqual(before);
    expect(todos.get('t')).toEqual({ id: 't', title: 'ok', done: false });
  });

  it("the write rules do not apply to the server's own writes", () => {
    const { fake, a, api } = authoritative();
    const notes = api.collection('notes');
    // The owner-only rule would refuse these from any user but alice.
    notes.put({ id: 'n', owner: 'alice', text: 'from the backend' });
    notes.update('n', { text: 'edited by the backend' });
    expect(notes.get('n')).toEqual({ id: 'n', owner: 'alice', text: 'edited by the backend' });
    expect(stored(fake).rejections).toEqual([]);
    // The owner still meets the rule as before.
    a.takeAll('ops');
    a.send({ type: 'push', ops: [wireOp({ replicaId: 'A', seq: 1, collection: 'notes', id: 'n', ms: 1e9, change: { kind: 'set', path: ['owner'], value: 'bob' } })] });
    expect(a.take('reject')).toMatchObject({ seq: 1, code: ErrorCode.RULE_REJECTED, message: OWNER_ONLY });
  });

  it("a client whose token names the server's user still meets the rules", () => {
    const { fake, api } = authoritative();
    const impostor = fake.connect('lib', `write:lib:${SERVER_USER}`);
    expect(impostor.hello({ replicaId: 'I' }).decision).toBe('accept');
    impostor.send({ type: 'seed', baselines: [], ops: [], done: true });
    impostor.take('synced');
    api.collection('notes').put({ id: 'n', owner: 'alice', text: 'hers' });
    impostor.send({ type: 'push', ops: [wireOp({ replicaId: 'I', seq: 1, collection: 'notes', id: 'n', ms: 1e9, change: { kind: 'set', path: ['text'], value: 'mine now' } })] });
    expect(impostor.take('reject')).toMatchObject({ seq: 1, code: ErrorCode.RULE_REJECTED, message: OWNER_ONLY });
    expect(api.collection('notes').get('n')).toEqual({ id: 'n', owner: 'alice', text: 'hers' });
  });
});

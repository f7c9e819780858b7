/**
 * Ids and names at the edges through a real server (issue 14, defects 1 and
 * 2): a hostile client's op with a NUL or a lone surrogate in a name is
 * refused at decode and stores nothing; names that are valid Unicode (astral
 * characters, U+10FFFF, control characters other than NUL, exactly
 * MAX_NAME_LENGTH) reach a late joiner through SQLite unchanged.
 */
import { firstValueFrom } from 'rxjs';
import { describe, expect, test } from 'vitest';
import { ErrorCode } from 'trellis';
import { MAX_NAME_LENGTH } from 'trellis/protocol';
import { servers } from '../helpers/servers.js';
import { allTodos, eventually, openReplica, startTestServer } from '../helpers/sync-harness.js';
import { wireOp, wireOps } from '../helpers/wire-ops.js';

describe.each(servers)('hostile names are refused by the server ($name)', (factory) => {
  test.each([
    ['a NUL in a document id', { id: 'x\u0000evil' }, ['ops', 0, 'id'], /NUL/],
    ['a lone surrogate in a document id', { id: 'half\ud83d' }, ['ops', 0, 'id'], /lone surrogate at index 4/],
    ['a lone surrogate in a collection name', { collection: 'todos\udc00' }, ['ops', 0, 'collection'], /lone surrogate at index 5/],
    ['a lone surrogate in a map key of a path', { change: { kind: 'set', path: ['labels', '\ud83d'], value: 'v' } }, ['ops', 0, 'change', 'path', 1], /lone surrogate/],
    ['a lone surrogate in a list item id', { change: { kind: 'list-remove', path: ['tags'], item: 'i\ud800' } }, ['ops', 0, 'change', 'item'], /lone surrogate/],
    ['a lone surrogate in a string value', { change: { kind: 'put', value: { title: 'a\ud83d' } } }, ['ops', 0, 'change', 'value'], /string at title is not well-formed Unicode/],
    ['a lone surrogate in an object key', { change: { kind: 'put', value: { labels: { '\udc00': 'v' } } } }, ['ops', 0, 'change', 'value'], /key at labels is not well-formed Unicode/],
  ])('%s: PROTOCOL_INVALID_MESSAGE naming the path, nothing stored', async (_name, patch, path, message) => {
    const server = await factory.start();
    const a = await server.connect('team');
    await a.hello({ replicaId: 'A', localSeq: 1, atRisk: 1 });
    a.send({ type: 'seed', baselines: [], ops: wireOps('A', 1, 1, { id: 'x' }), done: true });
    await a.next('synced');
    // JSON.stringify writes a lone surrogate as a \ud83d escape: valid UTF-8 on the socket, a lone surrogate after JSON.parse.
    a.sendRaw(JSON.stringify({ type: 'push', ops: [{ ...wireOp({ replicaId: 'A', seq: 2 }), ...patch }] }));
    const error = await a.next('error');
    expect(error).toMatchObject({ code: ErrorCode.PROTOCOL_INVALID_MESSAGE, details: { path } });
    expect(error.message).toMatch(message);
    expect(await server.query('team', 'SELECT replica, seq, id FROM ops ORDER BY server_seq')).toEqual([{ replica: 'A', seq: 1, id: 'x' }]);
    // The same seq with an honest op is still accepted: nothing of the refused push was kept.
    a.send({ type: 'push', ops: wireOps('A', 2, 2) });
    expect(await a.next('ack')).toMatchObject({ fromSeq: 2, toSeq: 2 });
  });

  test('a seed holding a NUL id is refused whole; nothing stored', async () => {
    const server = await factory.start();
    const a = await server.connect('team');
    await a.hello({ replicaId: 'A', localSeq: 2, atRisk: 2 });
    a.send({ type: 'seed', baselines: [], ops: [wireOp({ replicaId: 'A', seq: 1, id: 'x' }), wireOp({ replicaId: 'A', seq: 2, id: 'x\u0000evil' })], done: true });
    expect(await a.next('error')).toMatchObject({ code: ErrorCode.PROTOCOL_INVALID_MESSAGE, details: { path: ['ops', 1, 'id'] } });
    expect(await server.query('team', 'SELECT COUNT(*) AS n FROM ops')).toEqual([{ n: 0 }]);
  });
});

describe('names that are valid Unicode round-trip exactly', () => {
  test('astral characters, U+10FFFF, control characters and an id of exactly MAX_NAME_LENGTH reach a late joiner through SQLite unchanged', async () => {
    const server = await startTestServer();
    try {
      const ids = ['😀🎉', `a\u{10FFFF}b`, '\u0001\u001f\u007f', 'tab\there', 'x'.repeat(MAX_NAME_LENGTH), '😀'.repeat(MAX_NAME_LENGTH / 2), 'ümlaut'];
      const writer = await openReplica(server, 'edge');
      const todos = writer.store.collection('todos');
      for (const id of ids) await todos.put({ id, title: `t ${id} \u0000 ${'\u{1F600}'}`, createdAt: 1 });
      await todos.update('😀🎉', { meta: { color: '\u{10FFFF}' } });
      await writer.settle();
      const late = await openReplica(server, 'edge', { autoJoin: 'always' });
      await late.settle();
      const got = await allTodos(late);
      expect(got.map((d) => d.id).sort()).toEqual([...ids].sort());
      for (const id of ids) expect(got.find((d) => d.id === id)?.title).toBe(`t ${id} \u0000 ${'\u{1F600}'}`);
      expect(await firstValueFrom(late.store.collection('todos').get('😀🎉'))).toMatchObject({ meta: { color: '\u{10FFFF}' } });
      // The writer's next update lands on the same document for both (no second document, no fork).
      await todos.update(`a\u{10FFFF}b`, { title: 'again' });
      await writer.settle();
      await eventually(late.store.collection('todos').get(`a\u{10FFFF}b`), (d) => d?.title === 'again');
      expect((await allTodos(late)).length).toBe(ids.length);
      await writer.close();
      await late.close();
    } finally {
      await server.dispose();
    }
  });
});

/** The engine's query steps (sync/engine/on-query.ts), as pure functions: what a hello says, when the store narrows first. */
import { describe, expect, test } from 'vitest';
import { createSession, withLink } from '../../../src/sync/engine/session.js';
import { heldKeyOf, heldMeta, helloQuery, narrowFirst, onSetQuery } from '../../../src/sync/engine/on-query.js';

const cursor = { epoch: 'e1', serverSeq: 5 };
const session = (query = {}) => createSession({ library: 'lib', autoJoin: 'when-nothing-at-risk', query });

describe('the hello of a replica with a query', () => {
  test('a whole-library replica says no query and no held (as before version 5)', () => {
    expect(helloQuery(session(), { cursor, held: undefined }).fields).toEqual({});
  });

  test('a store that holds what it asks for says only its query', () => {
    const q = { idPrefix: ['p1/'] };
    expect(helloQuery(session(q), { cursor, held: { idPrefix: ['p1/'] } }).fields).toEqual({ query: q });
    expect(narrowFirst(session(q), { cursor, held: q })).toBeUndefined();
  });

  test('widened: the hello says what the store holds, and the link expects the widening part', () => {
    const out = helloQuery(session({ idPrefix: ['p1/', 'p2/'] }), { cursor, held: { idPrefix: ['p1/'] } });
    expect(out.fields).toEqual({ query: { idPrefix: ['p1/', 'p2/'] }, held: { idPrefix: ['p1/'] } });
    expect(out.session.link.widening).toBe(true);
  });

  test('without a cursor (a reset or an accept follows) nothing is held: no held, no narrowing', () => {
    const q = { idPrefix: ['p1/'] };
    expect(helloQuery(session(q), { cursor: null, held: {} }).fields).toEqual({ query: q });
    expect(narrowFirst(session(q), { cursor: null, held: {} })).toBeUndefined();
  });

  test('narrowed: the store first drops what it holds outside the query, recording what is left as held', () => {
    const step = narrowFirst(session({ idPrefix: ['p1/'] }), { cursor, held: { idPrefix: ['p1/', 'p2/'] } });
    expect(step?.effects).toEqual([
      { type: 'store', call: { kind: 'narrow', held: { idPrefix: ['p1/', 'p2/'] }, query: { idPrefix: ['p1/'] }, meta: { [heldKeyOf('sync:lib')]: { idPrefix: ['p1/'] } } } },
    ]);
    // A store that synced before queries existed holds the whole library.
    expect(narrowFirst(session({ collections: ['todos'] }), { cursor, held: undefined })?.effects[0]).toMatchObject({ call: { kind: 'narrow', held: {} } });
  });

  test('held is recorded as what the server said it sends (the query narrowed to the scope)', () => {
    const s = withLink(session({}), { query: {}, holds: { idPrefix: ['p1/'] } });
    expect(heldMeta(s)).toEqual({ 'sync:lib:held': { idPrefix: ['p1/'] } });
  });

  test('setQuery reconnects an open connection and only records the query otherwise', () => {
    expect(onSetQuery({ ...session(), open: true }, { idPrefix: ['x'] }).effects).toEqual([{ type: 'reconnect' }]);
    const offline = onSetQuery(session(), { idPrefix: ['x'] });
    expect(offline.effects).toEqual([]);
    expect(offline.session.query).toEqual({ idPrefix: ['x'] });
  });
});

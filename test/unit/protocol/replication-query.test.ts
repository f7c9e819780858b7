import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { ErrorCode, isTrellisError } from 'trellis';
import {
  MAX_NAME_LENGTH,
  MAX_QUERY_COLLECTIONS,
  MAX_QUERY_PREFIXES,
  decodeClientMessage,
  encodeMessage,
  intersectQueries,
  matchesQuery,
  parseQuery,
  queryWithin,
} from 'trellis/protocol';
import type { Query } from 'trellis/protocol';

const names = (n: number, prefix = 'c') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

function refusal(input: unknown): string {
  try {
    parseQuery(input, 'test query');
  } catch (err) {
    if (isTrellisError(err, ErrorCode.INVALID_ARGUMENT)) return err.message;
    throw err;
  }
  throw new Error('expected INVALID_ARGUMENT');
}

describe('parseQuery', () => {
  test('undefined is the whole library; one idPrefix string becomes a list', () => {
    expect(parseQuery(undefined, 'q')).toEqual({});
    expect(parseQuery({ idPrefix: 'p1/' }, 'q')).toEqual({ idPrefix: ['p1/'] });
    expect(parseQuery({ collections: ['todos'], idPrefix: ['a', 'b'] }, 'q')).toEqual({ collections: ['todos'], idPrefix: ['a', 'b'] });
  });

  test(`takes ${MAX_QUERY_COLLECTIONS} collections and ${MAX_QUERY_PREFIXES} prefixes, refuses one more of either`, () => {
    expect(parseQuery({ collections: names(MAX_QUERY_COLLECTIONS), idPrefix: names(MAX_QUERY_PREFIXES, 'p') }, 'q').collections).toHaveLength(MAX_QUERY_COLLECTIONS);
    expect(refusal({ collections: names(MAX_QUERY_COLLECTIONS + 1) })).toMatch(/At most 16 collections/);
    expect(refusal({ idPrefix: names(MAX_QUERY_PREFIXES + 1, 'p') })).toMatch(/At most 16 id prefixes/);
  });

  test(`a prefix of ${MAX_NAME_LENGTH} code units passes, one more, an empty one, a NUL or a lone surrogate is refused`, () => {
    expect(parseQuery({ idPrefix: 'x'.repeat(MAX_NAME_LENGTH) }, 'q').idPrefix?.[0]).toHaveLength(MAX_NAME_LENGTH);
    for (const bad of ['x'.repeat(MAX_NAME_LENGTH + 1), '', 'a\u0000', '\ud800']) expect(refusal({ idPrefix: bad })).toMatch(/^test query idPrefix\.0: /);
  });

  test('unknown keys, non-objects and non-lists are refused', () => {
    expect(refusal({ idPrefx: 'a' })).toMatch(/unknown key "idPrefx"/);
    expect(refusal(['a'])).toMatch(/must be an object/);
    expect(refusal(null)).toMatch(/must be an object/);
    expect(refusal({ collections: 'todos' })).toMatch(/collections/);
    expect(refusal({ collections: [1] })).toMatch(/collections\.0/);
  });

  test('a hello carrying a query or held over the limit is an invalid message', () => {
    const hello = { type: 'hello', protocol: 5, replicaId: 'r1', cursor: null, localSeq: 0, atRisk: 0 } as const;
    expect(decodeClientMessage(encodeMessage({ ...hello, query: { idPrefix: names(MAX_QUERY_PREFIXES, 'p') } })).ok).toBe(true);
    const over = decodeClientMessage(JSON.stringify({ ...hello, held: { collections: names(MAX_QUERY_COLLECTIONS + 1) } }));
    expect(over.ok ? undefined : over.error.code).toBe(ErrorCode.PROTOCOL_INVALID_MESSAGE);
  });
});

describe('matching', () => {
  test('a document matches when its collection is listed and its id starts with a prefix; an empty list matches nothing', () => {
    const q: Query = { collections: ['todos'], idPrefix: ['p1/', 'p2/'] };
    expect(matchesQuery(q, 'todos', 'p1/x')).toBe(true);
    expect(matchesQuery(q, 'todos', 'p3/x')).toBe(false);
    expect(matchesQuery(q, 'notes', 'p1/x')).toBe(false);
    expect(matchesQuery({}, 'any', 'thing')).toBe(true);
    expect(matchesQuery({ collections: [] }, 'todos', 'p1/x')).toBe(false);
    expect(matchesQuery({ idPrefix: [] }, 'todos', 'p1/x')).toBe(false);
  });

  const query = fc.record(
    { collections: fc.uniqueArray(fc.constantFrom('a', 'b', 'c'), { maxLength: 3 }), idPrefix: fc.uniqueArray(fc.stringMatching(/^[xy]{1,3}$/), { maxLength: 4 }) },
    { requiredKeys: [] },
  );
  const doc = fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.stringMatching(/^[xy]{0,4}$/));

  test('the intersection matches exactly the documents both queries match', () => {
    fc.assert(
      fc.property(query, query, doc, (a, b, [collection, id]) => {
        expect(matchesQuery(intersectQueries(a, b), collection, id)).toBe(matchesQuery(a, collection, id) && matchesQuery(b, collection, id));
      }),
      { numRuns: 500 },
    );
  });

  test('queryWithin(inner, outer) holds only when every document of inner is in outer', () => {
    // Every id of x and y up to 4 long: enough to tell prefixes of at most 3 apart.
    const ids = [''];
    for (let n = 1; n <= 4; n++) for (const id of ids.filter((i) => i.length === n - 1)) ids.push(`${id}x`, `${id}y`);
    // 'd' is in no query's list: a query without collections reaches it.
    const docs = ['a', 'b', 'c', 'd'].flatMap((c) => ids.map((id) => [c, id] as const));
    fc.assert(
      fc.property(query, query, (inner, outer) => {
        if (queryWithin(inner, outer)) for (const [c, id] of docs) if (matchesQuery(inner, c, id)) expect(matchesQuery(outer, c, id)).toBe(true);
        // Conversely: when every one of these documents of inner is in outer, and prefixes are at most 3 long, within holds.
        const covered = docs.every(([c, id]) => !matchesQuery(inner, c, id) || matchesQuery(outer, c, id));
        if (covered) expect(queryWithin(inner, outer)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

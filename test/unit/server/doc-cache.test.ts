/**
 * The authoritative server's document cache (doc-cache.ts) at its limits: a
 * cache holding exactly its entry or byte budget keeps everything, one more
 * evicts the least recently used (down to 15/16 of the limit); a document larger than the byte budget is
 * never cached (and evicts nothing); a head or epoch the cache did not see
 * drops the library's entries. A hit reads nothing from storage.
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { DocState } from '../../../src/core/index.js';
import { createDocCache, DOC_CACHE_BYTES, DOC_CACHE_ENTRIES } from '../../../src/server/core/doc-cache.js';
import { documentKey, insertOps } from '../../../src/server/core/op-log.js';
import { indexDocuments, migrate } from '../../../src/server/core/schema.js';
import type { SqlStorage } from '../../../src/server/core/types.js';
import { createSqliteStorage } from '../../../src/server/node/sqlite-storage.js';
import { wireOp } from '../../helpers/wire-ops.js';

const LIBRARY = 'lib';

/** Storage holding one put per document `ids[i]` (title of `sizes[i]` characters), counting reads. */
function storage(docs: { id: string; size: number }[]) {
  const sql = createSqliteStorage(new Database(':memory:'));
  migrate(sql);
  indexDocuments(sql);
  const entries = docs.map(({ id, size }, i) => ({ serverSeq: i + 1, op: wireOp({ replicaId: 'A', seq: i + 1, id, change: { kind: 'put', value: { title: 'x'.repeat(size) } } }) }));
  insertOps(sql, { library: LIBRARY, entries });
  let reads = 0;
  const counting: SqlStorage = {
    exec: (statement, ...params) => ((reads += statement.startsWith('SELECT') ? 1 : 0), sql.exec(statement, ...params)),
    transaction: (fn) => sql.transaction(fn),
  };
  return { sql: counting, reads: () => reads, head: entries.length };
}

/** The estimate the cache charges a document read from storage. */
const bytesOf = (state: DocState) => JSON.stringify(state).length;

function cacheOver(store: ReturnType<typeof storage>, limits: { entries: number; bytes: number }) {
  const cache = createDocCache(limits);
  const docs = () => cache.forLibrary({ library: LIBRARY, epoch: 'e1', head: store.head });
  /** Reads `id`; true when it was a hit (nothing read from storage). */
  const hit = (id: string): boolean => {
    const before = store.reads();
    docs().read(store.sql, { collection: 'todos', id });
    return store.reads() === before;
  };
  return { cache, docs, hit };
}

describe('doc cache limits', () => {
  it('defaults to 2,000 documents and 64 MB', () => {
    expect(DOC_CACHE_ENTRIES).toBe(2000);
    expect(DOC_CACHE_BYTES).toBe(64 * 1024 * 1024);
  });

  it('keeps exactly `entries` documents; one more evicts the least recently used, down to 15/16 of the limit', () => {
    const ids = Array.from({ length: 20 }, (_, i) => `d${i}`);
    const store = storage(ids.map((id) => ({ id, size: 1 })));
    const { hit } = cacheOver(store, { entries: 16, bytes: DOC_CACHE_BYTES });
    const first16 = ids.slice(0, 16);
    expect(first16.map(hit).some(Boolean)).toBe(false);
    expect(first16.map(hit).every(Boolean)).toBe(true);
    // d0 used again: d1 and d2 are now the least recently used.
    expect(hit('d0')).toBe(true);
    expect(hit('d16')).toBe(false); // the 17th: d1 and d2 go, 15 stay
    expect(['d0', 'd16', ...ids.slice(3, 16)].map(hit).every(Boolean)).toBe(true);
    expect(hit('d1')).toBe(false); // back to 16, still within the limit
    expect(hit('d2')).toBe(false); // the 17th again: d0 and d16 (least recently used) go
    expect(['d3', 'd1', 'd2'].map(hit).every(Boolean)).toBe(true);
    expect(hit('d0')).toBe(false);
  });

  it('keeps documents summing to exactly `bytes`; one byte less evicts the least recently used', () => {
    const docs = [
      { id: 'a', size: 10 },
      { id: 'b', size: 20 },
      { id: 'c', size: 30 },
    ];
    const probe = storage(docs);
    const sizes = docs.map(({ id }) => bytesOf(createDocCache().forLibrary({ library: LIBRARY, epoch: 'e1', head: probe.head }).read(probe.sql, { collection: 'todos', id })));
    const total = sizes.reduce((sum, n) => sum + n, 0);

    const exact = cacheOver(storage(docs), { entries: 100, bytes: total });
    for (const { id } of docs) exact.hit(id);
    expect(docs.map(({ id }) => exact.hit(id))).toEqual([true, true, true]);

    const under = cacheOver(storage(docs), { entries: 100, bytes: total - 1 });
    for (const { id } of docs) under.hit(id);
    expect(under.hit('a')).toBe(false); // the first read, evicted when c came in
    expect([under.hit('c'), under.hit('a')]).toEqual([true, true]);
  });

  it('never caches a document larger than the byte budget, and keeps the others', () => {
    const store = storage([
      { id: 'small', size: 1 },
      { id: 'huge', size: 500 },
    ]);
    const { hit } = cacheOver(store, { entries: 100, bytes: 200 });
    expect(hit('small')).toBe(false);
    expect(hit('huge')).toBe(false);
    expect(hit('huge')).toBe(false);
    expect(hit('small')).toBe(true);
  });

  it('readMany reads the missing documents at once, as read does, and caches none of them (remember does, after the commit)', () => {
    const store = storage([
      { id: 'a', size: 1 },
      { id: 'b', size: 2 },
      { id: 'a', size: 3 },
    ]);
    const { docs, hit } = cacheOver(store, { entries: 100, bytes: DOC_CACHE_BYTES });
    hit('a');
    const before = store.reads();
    const many = docs().readMany(
      store.sql,
      ['a', 'b', 'new', 'b'].map((id) => ({ collection: 'todos', id, key: documentKey('todos', id) })),
    );
    expect(store.reads() - before).toBe(2); // one statement for the baselines, one for the ops
    const fresh = createDocCache().forLibrary({ library: LIBRARY, epoch: 'e1', head: store.head });
    for (const id of ['a', 'b', 'new']) {
      const one = fresh.read(store.sql, { collection: 'todos', id });
      expect(many.get(documentKey('todos', id))?.state).toEqual(one);
    }
    expect(many.get(documentKey('todos', 'new'))?.bytes).toBe(0);
    expect([hit('a'), hit('b')]).toEqual([true, false]);
  });

  it('remember caches the sizes a commit gives; growing past the budget evicts the least recently used', () => {
    const store = storage([
      { id: 'a', size: 1 },
      { id: 'b', size: 1 },
    ]);
    const { docs, hit, cache } = cacheOver(store, { entries: 100, bytes: 200 });
    hit('a'), hit('b');
    const a = docs().read(store.sql, { collection: 'todos', id: 'a' });
    const b = docs().read(store.sql, { collection: 'todos', id: 'b' });
    const room = 200 - bytesOf(a) - bytesOf(b);
    // Exactly at the budget: both kept (the head moves with the commit, so the entries stay valid).
    docs().remember({ head: store.head, states: new Map([[documentKey('todos', 'b'), { state: b, bytes: bytesOf(b) + room }]]) });
    expect([hit('a'), hit('b')]).toEqual([true, true]);
    // One byte past: a (least recently used) goes.
    docs().remember({ head: store.head, states: new Map([[documentKey('todos', 'b'), { state: b, bytes: bytesOf(b) + room + 1 }]]) });
    expect(hit('b')).toBe(true);
    expect(hit('a')).toBe(false);
    cache.drop(LIBRARY);
    expect(hit('b')).toBe(false);
  });

  it('drops a library’s entries when its head or epoch is not the one the cache last saw', () => {
    const store = storage([{ id: 'a', size: 1 }]);
    const cache = createDocCache({ entries: 10, bytes: 1000 });
    const read = (o: { epoch: string; head: number }) => {
      const before = store.reads();
      cache.forLibrary({ library: LIBRARY, ...o }).read(store.sql, { collection: 'todos', id: 'a' });
      return store.reads() === before;
    };
    expect(read({ epoch: 'e1', head: 1 })).toBe(false);
    expect(read({ epoch: 'e1', head: 1 })).toBe(true);
    expect(read({ epoch: 'e1', head: 2 })).toBe(false); // another writer moved the head
    expect(read({ epoch: 'e2', head: 2 })).toBe(false); // the library was evicted and created again
    expect(read({ epoch: 'e2', head: 2 })).toBe(true);
  });
});

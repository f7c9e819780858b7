import { Dexie, RangeSet } from 'dexie';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import { createHeadCache, type HeadCache } from '../../../src/store/head-cache.js';
import { Mutations } from '../../../src/store/idb.js';

const state = (n: number) => ({ entries: [{ stamp: `${n}`, seq: n, change: { kind: 'put' as const, value: { n } } }] });
const nextTask = () => new Promise((resolve) => setImmediate(resolve));

function database(name: string, indexedDB = new IDBFactory()): Dexie {
  const db = new Dexie(name, { indexedDB, IDBKeyRange });
  db.version(1).stores({ c_docs: 'k', meta: 'key' });
  return db;
}

/** A write to `db` as the write path announces it: a document row, or a row of `meta`. */
function announceWrite(db: Dexie, table: 'c_docs' | 'meta' = 'c_docs'): void {
  const mutations = new Mutations(db);
  mutations.put(table, [table === 'meta' ? { key: 'a' } : { k: 'a' }]);
  mutations.announce();
}

describe('heads held in memory', () => {
  const caches: HeadCache[] = [];
  const open = (db: Dexie) => {
    const cache = createHeadCache(db);
    caches.push(cache);
    cache.remember([{ key: 'docs\u0000a', state: state(1) }]);
    return cache;
  };
  afterEach(() => caches.splice(0).forEach((c) => c.close()));

  it('keeps its heads through its own instance\'s writes, and forgets them when another instance of the database writes documents', async () => {
    const factory = new IDBFactory();
    const mine = database('shared', factory);
    const cache = open(mine);
    announceWrite(mine);
    await nextTask();
    expect(cache.get('docs\u0000a')).toEqual(state(1));
    const other = database('shared', factory);
    // Rows that hold no heads change none.
    announceWrite(other, 'meta');
    await nextTask();
    expect(cache.get('docs\u0000a')).toEqual(state(1));
    announceWrite(other);
    await nextTask();
    expect(cache.get('docs\u0000a')).toBeUndefined();
  });

  it('ignores writes to other databases, and forgets everything on Dexie\'s "anything changed"', async () => {
    const cache = open(database('one'));
    announceWrite(database('two'));
    await nextTask();
    expect(cache.get('docs\u0000a')).toEqual(state(1));
    Dexie.on.storagemutated.fire({ all: new RangeSet(-Infinity, [[]]) });
    expect(cache.get('docs\u0000a')).toBeUndefined();
  });

  it('holds the 2,000 most recently remembered heads', () => {
    const cache = open(database('many'));
    cache.remember(Array.from({ length: 2_000 }, (_, i) => ({ key: `docs\u0000${i}`, state: state(i) })));
    cache.remember([{ key: 'docs\u00000', state: state(0) }, { key: 'docs\u0000new', state: state(9) }]);
    expect(cache.get('docs\u0000a')).toBeUndefined();
    expect(cache.get('docs\u00001')).toBeUndefined();
    expect(cache.get('docs\u00000')).toEqual(state(0));
    expect(cache.get('docs\u0000new')).toEqual(state(9));
    // One write of more heads than it holds: its last 2,000.
    cache.remember(Array.from({ length: 2_500 }, (_, i) => ({ key: `bulk\u0000${i}`, state: state(i) })));
    expect(cache.get('docs\u0000new')).toBeUndefined();
    expect(cache.get('bulk\u0000499')).toBeUndefined();
    expect(cache.get('bulk\u0000500')).toEqual(state(500));
    expect(cache.get('bulk\u00002499')).toEqual(state(2499));
  });

  it('stops listening and holds nothing once closed', () => {
    const cache = open(database('closing'));
    cache.close();
    cache.remember([{ key: 'docs\u0000b', state: state(2) }]);
    expect(cache.get('docs\u0000a')).toBeUndefined();
    expect(cache.get('docs\u0000b')).toBeUndefined();
  });
});

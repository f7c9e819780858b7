/**
 * Page side of `storage`: many updates to a few documents, then compaction;
 * hands every stored row to the Node side, which sizes them.
 */
import { Dexie } from 'dexie';
import { dropDatabase, freshName, makeItems, openStore, time, type BenchStore, type PageFigure } from '../shared.js';

let store: BenchStore | undefined;
let name = '';

/** Deterministic PRNG (mulberry32), so every run updates the same documents. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Update `k`: one field, rotating over title, priority, done and notes. */
function patch(k: number) {
  switch (k % 4) {
    case 0:
      return { title: `Item revised ${k}: pick up oat milk` };
    case 1:
      return { priority: k % 5 };
    case 2:
      return { done: k % 8 === 2 };
    default:
      return { notes: `Revision ${k}: corner shop closes at six, bakery open late.` };
  }
}

export interface StoredTable {
  readonly name: string;
  readonly primaryKey: string | string[] | null;
  readonly indexes: readonly (string | string[])[];
  readonly rows: readonly unknown[];
}

export const storage: PageFigure = {
  async setup({ docs }: { docs: number }) {
    name = freshName('storage');
    store = await openStore(name);
    const collection = store.collection('items');
    await store.transaction(() => collection.bulkPut(makeItems('s', docs)));
  },
  /** `updates` single-field updates to random documents, `chunk` per transaction; returns ms. */
  async update({ docs, updates, chunk }: { docs: number; updates: number; chunk: number }) {
    const s = store as BenchStore;
    const collection = s.collection('items');
    const next = random(42);
    return time(async () => {
      for (let k = 0; k < updates; k += chunk) {
        await s.transaction(async () => {
          for (let j = k; j < Math.min(updates, k + chunk); j++) {
            const id = `s-${Math.floor(next() * docs).toString(36).padStart(5, '0')}`;
            await collection.update(id, patch(j));
          }
        });
      }
    });
  },
  async compact() {
    let squashed = 0;
    const ms = await time(async () => ({ squashed } = await (store as BenchStore).compact()));
    return { ms, squashed };
  },
  /** Every row of every table, read with raw Dexie (dynamic mode). */
  async rows(): Promise<StoredTable[]> {
    const db = new Dexie(name);
    await db.open();
    try {
      return await Promise.all(
        db.tables.map(async (table) => ({
          name: table.name,
          primaryKey: table.schema.primKey.keyPath as string | string[] | null,
          indexes: table.schema.indexes.map((i) => i.keyPath as string | string[]),
          rows: await table.toArray(),
        })),
      );
    } finally {
      db.close();
    }
  },
  /** The origin's on-disk usage as Chromium reports it (LevelDB files: compressed, with not-yet-compacted garbage). */
  async usage() {
    return (await navigator.storage.estimate()).usage ?? 0;
  },
  async teardown() {
    await store?.close();
    await dropDatabase(name);
  },
};

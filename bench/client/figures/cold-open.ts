/**
 * Page side of `cold-open`: the Node side reloads the page before each sample,
 * so every sample starts in a new JS realm with a new IndexedDB connection.
 */
import { firstValueFrom } from 'rxjs';
import { dropDatabase, freshName, makeItems, openStore, rawDb, type PageFigure, type Side } from '../shared.js';

export const coldOpen: PageFigure = {
  /** Writes `count` documents to both databases; returns their names for later page loads. */
  async setup({ count }: { count: number }) {
    const names = { trellis: freshName('cold-trellis'), limit: freshName('cold-limit') };
    const items = makeItems('c', count);
    const store = await openStore(names.trellis);
    const collection = store.collection('items');
    await store.transaction(() => collection.bulkPut(items));
    await store.close();
    const raw = rawDb(names.limit);
    await raw.items.bulkPut(items);
    raw.close();
    return names;
  },
  /** One sample: open + every document; returns ms. */
  async sample({ side, name, count }: { side: Side; name: string; count: number }) {
    const start = performance.now();
    const { found, close } = side === 'trellis' ? await readStore(name) : await readRaw(name);
    const ms = performance.now() - start;
    await close();
    if (found !== count) throw new Error(`cold-open read ${found} of ${count} documents`);
    return ms;
  },
  async teardown({ names }: { names: string[] }) {
    for (const name of names) await dropDatabase(name);
  },
};

async function readStore(name: string) {
  const store = await openStore(name);
  const docs = await firstValueFrom(store.collection('items').find());
  return { found: docs.length, close: () => store.close() };
}

async function readRaw(name: string) {
  const db = rawDb(name);
  await db.open();
  const docs = await db.items.toArray();
  return { found: docs.length, close: async () => db.close() };
}

/** Page side of `bulk-write`: `count` new documents in one transaction, into a fresh database each sample. */
import { dropDatabase, freshName, makeItems, openStore, rawDb, time, type PageFigure, type Side } from '../shared.js';

const SETTLE_MS = 500;
/** Databases not yet dropped (a sample that failed half-way). */
const used: string[] = [];

export const bulkWrite: PageFigure = {
  /** One sample; the fresh database is created before the clock starts. Returns documents per second. */
  async sample({ side, count, round }: { side: Side; count: number; round: number }) {
    const name = freshName(`bulk-${side}`);
    used.push(name);
    const items = makeItems(`b${round}`, count);
    let ms: number;
    if (side === 'trellis') {
      const store = await openStore(name);
      const collection = store.collection('items');
      ms = await time(() => store.transaction(() => collection.bulkPut(items)));
      await store.close();
    } else {
      const db = rawDb(name);
      await db.open();
      ms = await time(() => db.items.bulkPut(items));
      db.close();
    }
    await dropDatabase(name);
    used.splice(used.indexOf(name), 1);
    // Deleting 10,000 rows keeps Chromium's IndexedDB backend busy for a while; let it
    // finish, or it would slow the other side's next sample.
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    return (count * 1000) / ms;
  },
  async teardown() {
    for (const name of used.splice(0)) await dropDatabase(name);
  },
};

/**
 * Page side of `late-joiner`. The Node side reloads the page before each
 * sample, so each starts in a fresh JS realm with a new, empty database.
 */
import { createSync } from 'trellis/sync';
import { dropDatabase, freshName, openStore, rawDb, type Item, type PageFigure } from '../shared.js';

/** Lets IndexedDB's backend finish deleting 10,000 rows before the other side's next sample (as bulk-write does). */
const SETTLE_MS = 500;

async function settle(name: string): Promise<void> {
  await dropDatabase(name);
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
}

export const lateJoiner: PageFigure = {
  /** A new store joins the library; ms until find() shows all `count` documents, `check` among them as given. */
  async trellis({ url, library, token, count, check }: { url: string; library: string; token: string; count: number; check: Item }) {
    const name = freshName('late-trellis');
    const start = performance.now();
    const store = await openStore(name);
    const sync = createSync(store, { url, library, token, autoJoin: 'always' });
    const docs = await new Promise<Item[]>((resolve) => {
      const sub = store
        .collection('items')
        .find()
        .subscribe((found) => {
          if (found.length === count) {
            queueMicrotask(() => sub.unsubscribe());
            resolve(found as Item[]);
          }
        });
    });
    const ms = performance.now() - start;
    await sync.stop();
    await store.close();
    await settle(name);
    const got = docs.find((d) => d.id === check.id);
    if (JSON.stringify(got) !== JSON.stringify(check)) throw new Error(`late joiner: ${check.id} is ${JSON.stringify(got)}, expected ${JSON.stringify(check)}`);
    return ms;
  },
  /** The limit: the documents as JSON frames over a plain WebSocket, then one raw Dexie bulkPut; ms. */
  async limit({ url, count }: { url: string; count: number }) {
    const name = freshName('late-limit');
    const start = performance.now();
    const db = rawDb(name);
    await db.open();
    const docs: Item[] = [];
    await new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.onerror = reject;
      ws.onmessage = (e: MessageEvent<string>) => {
        if (e.data === 'done') {
          ws.close();
          resolve();
        } else docs.push(...(JSON.parse(e.data) as Item[]));
      };
    });
    await db.items.bulkPut(docs);
    const ms = performance.now() - start;
    db.close();
    await settle(name);
    if (docs.length !== count) throw new Error(`late joiner limit: ${docs.length} of ${count} documents`);
    return ms;
  },
};

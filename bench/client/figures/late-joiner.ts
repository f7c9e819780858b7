/**
 * Page side of `late-joiner`. The Node side reloads the page before each
 * sample, so each starts in a fresh JS realm with a new, empty database.
 */
import { createSync, type Sync, type SyncState } from 'trellis/sync';
import { reviseItem } from '../items.js';
import { dropDatabase, freshName, makeItems, openStore, rawDb, type BenchStore, type Item, type PageFigure } from '../shared.js';

/** Puts or updates per store transaction while the writer builds the library. */
const BUILD_BATCH = 1000;

/** The writer that builds the library, from `build` until `release`. */
let writer: { name: string; store: BenchStore; sync: Sync } | undefined;

function untilState(sync: Sync, accept: (state: SyncState) => boolean): Promise<void> {
  return new Promise((resolve) => {
    const sub = sync.state.subscribe((state) => {
      if (accept(state)) {
        queueMicrotask(() => sub.unsubscribe());
        resolve();
      }
    });
  });
}

/** Runs `write` over `items` in store transactions of BUILD_BATCH. */
async function inBatches(store: BenchStore, items: readonly Item[], write: (item: Item) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += BUILD_BATCH) {
    await store.transaction(() => Promise.all(items.slice(i, i + BUILD_BATCH).map(write)));
  }
}

/** Lets IndexedDB's backend finish deleting 10,000 rows before the other side's next sample (as bulk-write does). */
const SETTLE_MS = 500;

async function settle(name: string): Promise<void> {
  await dropDatabase(name);
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
}

export const lateJoiner: PageFigure = {
  /**
   * Builds the library as an app does: a new store synced to the (empty)
   * library puts `count` documents, then revises one field of each, `revisions`
   * times, through the collection API (reviseItem, as the Node side expects).
   * Resolves once nothing is pending; the sync stays connected until `release`.
   */
  async build({ url, library, token, count, revisions, prefix }: { url: string; library: string; token: string; count: number; revisions: number; prefix: string }) {
    const name = freshName('late-writer');
    const store = await openStore(name);
    const sync = createSync(store, { url, library, token });
    writer = { name, store, sync };
    await untilState(sync, (state) => state.phase === 'live');
    const items = makeItems(prefix, count);
    const collection = store.collection('items');
    await inBatches(store, items, (item) => collection.put(item));
    for (let round = 0; round < revisions; round++) {
      await inBatches(store, items, (item) => {
        const { field, value } = reviseItem(item, round);
        (item as unknown as Record<string, unknown>)[field] = value;
        return collection.update(item.id, { [field]: value });
      });
    }
    await untilState(sync, (state) => state.phase === 'live' && state.pending === 0);
  },
  /** Disconnects and drops the writer (the Node side has seen the server hold all its ops). */
  async release() {
    if (writer === undefined) return;
    const { name, store, sync } = writer;
    writer = undefined;
    await sync.stop();
    await store.close();
    await settle(name);
  },
  /** A new store joins the library (or the part `query` names); ms until find() shows all `count` documents, `check` among them as given. */
  async trellis({ url, library, token, count, check, query }: { url: string; library: string; token: string; count: number; check: Item; query?: { idPrefix: string[] } }) {
    const name = freshName('late-trellis');
    const start = performance.now();
    const store = await openStore(name);
    // `query`: a partial late joiner (bench/figures/partial-late-joiner.ts).
    const sync = createSync(store, { url, library, token, autoJoin: 'always', ...(query ? { query } : {}) });
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

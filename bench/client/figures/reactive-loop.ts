/**
 * Page side of `reactive-loop`: an indexed `find` (one list, ordered by
 * createdAt, limit 50) is subscribed; a sample updates one document in the
 * result and measures until the query re-emits with that update.
 */
import { liveQuery, Dexie, type Subscription as DexieSubscription } from 'dexie';
import type { Subscription } from 'rxjs';
import { LISTS, dropDatabase, freshName, makeItems, openStore, rawDb, type BenchStore, type Item, type PageFigure, type RawDb, type Side } from '../shared.js';

interface Watch {
  accept?: (docs: readonly Item[]) => boolean;
  resolve?: (at: number) => void;
}

let store: BenchStore | undefined;
let raw: RawDb | undefined;
let names: string[] = [];
const subscriptions: (Subscription | DexieSubscription)[] = [];
const watches: Record<Side, Watch> = { trellis: {}, limit: {} };

function observe(side: Side) {
  return (docs: readonly Item[]) => {
    const watch = watches[side];
    if (watch.accept?.(docs)) {
      const resolve = watch.resolve as (at: number) => void;
      watches[side] = {};
      resolve(performance.now());
    }
  };
}

/** Resolves with the time of the first emission that `accept` likes. */
function next(side: Side, accept: (docs: readonly Item[]) => boolean): Promise<number> {
  return new Promise((resolve) => (watches[side] = { accept, resolve }));
}

export const reactiveLoop: PageFigure = {
  async setup({ count }: { count: number }) {
    names = [freshName('reactive-trellis'), freshName('reactive-limit')];
    const items = makeItems('r', count);
    store = await openStore(names[0] as string);
    const collection = store.collection('items');
    await store.transaction(() => collection.bulkPut(items));
    raw = rawDb(names[1] as string);
    await raw.items.bulkPut(items);
    const ready = [next('trellis', (d) => d.length === 50), next('limit', (d) => d.length === 50)];
    subscriptions.push(
      collection.find({ where: { list: 'list-0' }, orderBy: 'createdAt', limit: 50 }).subscribe(observe('trellis') as never),
      liveQuery(() =>
        (raw as RawDb).items.where('[list+createdAt]').between(['list-0', Dexie.minKey], ['list-0', Dexie.maxKey]).limit(50).toArray(),
      ).subscribe(observe('limit')),
    );
    await Promise.all(ready);
  },
  /** One sample: update the title of a document in the window; returns ms from the write call to the re-emission. */
  async sample({ side, round }: { side: Side; round: number }) {
    const id = `r-${(LISTS * (round % 50)).toString(36).padStart(5, '0')}`;
    const title = `edited by ${side} in round ${round}`;
    const emitted = next(side, (docs) => docs.some((d) => d.id === id && d.title === title));
    const start = performance.now();
    const write = side === 'trellis' ? (store as BenchStore).collection('items').update(id, { title }) : (raw as RawDb).items.update(id, { title });
    const at = await emitted;
    await write;
    return at - start;
  },
  async teardown() {
    for (const s of subscriptions.splice(0)) s.unsubscribe();
    await store?.close();
    raw?.close();
    for (const name of names) await dropDatabase(name);
  },
};

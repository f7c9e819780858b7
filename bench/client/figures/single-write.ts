/** Page side of `single-write`: awaited puts of new documents, each in its own transaction. */
import { dropDatabase, freshName, makeItem, openStore, rawDb, time, type BenchStore, type PageFigure, type RawDb, type Side } from '../shared.js';

let store: BenchStore | undefined;
let raw: RawDb | undefined;
let names: string[] = [];
const next: Record<Side, number> = { trellis: 0, limit: 0 };

export const singleWrite: PageFigure = {
  async setup() {
    names = [freshName('single-trellis'), freshName('single-limit')];
    store = await openStore(names[0] as string);
    raw = rawDb(names[1] as string);
    await raw.open();
  },
  /** One sample: `batch` puts one after another; returns puts per second. */
  async sample({ side, batch }: { side: Side; batch: number }) {
    const items = Array.from({ length: batch }, () => makeItem(`w-${side}`, next[side]++));
    const ms =
      side === 'trellis'
        ? await time(async () => {
            const items$ = (store as BenchStore).collection('items');
            for (const item of items) await items$.put(item);
          })
        : await time(async () => {
            for (const item of items) await (raw as RawDb).items.put(item);
          });
    return (batch * 1000) / ms;
  },
  async teardown() {
    await store?.close();
    raw?.close();
    for (const name of names) await dropDatabase(name);
  },
};

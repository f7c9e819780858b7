import { compareRow } from '../harness/budget.js';
import { interleave } from '../harness/stats.js';
import type { Figure } from '../harness/types.js';

const COUNT = 10_000;

/** createStore + first emission of find() over 10,000 documents, against raw Dexie open + toArray. */
export const coldOpen: Figure = {
  name: 'cold-open',
  title: 'cold open + first result of find over 10,000 docs',
  async run(ctx) {
    const client = await ctx.client();
    const names = await client.call<{ trellis: string; limit: string }>('cold-open', 'setup', { count: COUNT });
    try {
      const values = await interleave({
        samples: ctx.quick ? 6 : 30,
        warmup: 1,
        sample: async (side) => {
          await client.reload();
          return client.call<number>('cold-open', 'sample', { side, name: names[side], count: COUNT });
        },
      });
      return [
        compareRow({
          figure: 'cold-open',
          unit: 'ms',
          better: 'lower',
          values,
          limit: 'raw Dexie open + toArray',
          budget: { maxRatio: 1.5 },
          notes:
            'each sample runs in a freshly loaded page (new JS realm, new IndexedDB connection, nothing cached by Dexie); ' +
            "the browser's IndexedDB backend and the OS page cache stay warm, as on an app reload",
        }),
      ];
    } finally {
      await client.reload();
      await client.call('cold-open', 'teardown', { names: [names.trellis, names.limit] });
    }
  },
};

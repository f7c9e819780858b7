import { compareRow } from '../harness/budget.js';
import { interleave } from '../harness/stats.js';
import type { Figure } from '../harness/types.js';

const BATCH = 10;

/** collection.put of a new document, awaited, each in its own transaction, against raw Dexie `put`. */
export const singleWrite: Figure = {
  name: 'single-write',
  title: 'single write, own transaction (put of a new doc, awaited)',
  async run(ctx) {
    const client = await ctx.client();
    await client.call('single-write', 'setup');
    try {
      const values = await interleave({
        samples: ctx.quick ? 40 : 300,
        warmup: 3,
        sample: (side) => client.call<number>('single-write', 'sample', { side, batch: BATCH }),
      });
      return [
        compareRow({
          figure: 'single-write',
          unit: 'ops/s',
          better: 'higher',
          values,
          limit: 'raw Dexie put, own transaction',
          budget: { minRatio: 0.6 },
          notes: `each sample is ${BATCH} awaited puts of new documents in a row`,
        }),
      ];
    } finally {
      await client.call('single-write', 'teardown');
    }
  },
};

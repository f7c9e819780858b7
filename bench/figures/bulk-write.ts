import { compareRow } from '../harness/budget.js';
import { interleave } from '../harness/stats.js';
import type { Figure } from '../harness/types.js';

const COUNT = 10_000;

/** 10,000 new documents via collection.bulkPut inside one store.transaction, against raw Dexie bulkPut. */
export const bulkWrite: Figure = {
  name: 'bulk-write',
  title: 'bulk write: 10,000 docs in one store.transaction (collection.bulkPut)',
  async run(ctx) {
    const client = await ctx.client();
    let round = 0;
    try {
      const values = await interleave({
        samples: ctx.quick ? 3 : 15,
        warmup: 1,
        sample: (side) => client.call<number>('bulk-write', 'sample', { side, count: COUNT, round: round++ >> 1 }),
      });
      return [
        compareRow({
          figure: 'bulk-write',
          unit: 'docs/s',
          better: 'higher',
          values,
          limit: 'raw Dexie bulkPut',
          budget: { minRatio: 0.5 },
          notes: `${COUNT} documents per sample, each sample into a new empty database`,
        }),
      ];
    } finally {
      await client.call('bulk-write', 'teardown');
    }
  },
};

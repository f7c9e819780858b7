import { compareRow } from '../harness/budget.js';
import { interleave } from '../harness/stats.js';
import type { Figure } from '../harness/types.js';

const COUNT = 10_000;

/** Write → re-emission of an indexed find (limit 50), against a raw Dexie liveQuery of the same query. */
export const reactiveLoop: Figure = {
  name: 'reactive-loop',
  title: 'reactive loop: update → re-emission of an indexed find (limit 50) over 10,000 docs',
  async run(ctx) {
    const client = await ctx.client();
    await client.call('reactive-loop', 'setup', { count: COUNT });
    let round = 0;
    try {
      const values = await interleave({
        samples: ctx.quick ? 60 : 500,
        warmup: 10,
        sample: (side) => client.call<number>('reactive-loop', 'sample', { side, round: round++ >> 1 }),
      });
      return [
        compareRow({
          figure: 'reactive-loop',
          unit: 'ms',
          better: 'lower',
          values,
          limit: 'raw Dexie update + liveQuery',
          // Ratios only (issue 18): the median and the p95 each at most twice raw Dexie's, measured in the same run.
          budget: { maxRatio: 2, maxP95Ratio: 2 },
          notes:
            `find({ where: { list }, orderBy: 'createdAt', limit: 50 }) over ${COUNT} documents (20 lists); ` +
            'a sample updates the title of a document in the result and times from the update call to the emission showing it',
        }),
      ];
    } finally {
      await client.call('reactive-loop', 'teardown');
    }
  },
};

/**
 * Replays one schedule of the convergence property and prints its report:
 *   TRELLIS_SIM_SEED=<seed> TRELLIS_SIM_PATH=<path> [TRELLIS_SIM_TRACE=r0,r1] npx vitest run test/reliability/sim/replay.test.ts
 * Skipped unless TRELLIS_SIM_SEED is set.
 */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { runSchedule } from './run-schedule.js';
import { describeSchedule, scheduleArbitrary } from './schedule.js';

const seed = process.env.TRELLIS_SIM_SEED;
const path = process.env.TRELLIS_SIM_PATH ?? '0';
const actions = Number(process.env.TRELLIS_SIM_ACTIONS ?? 40);

test.skipIf(seed === undefined)('replay one schedule', async () => {
  // The value fast-check generated at `path` (its first segment is the run index) from `seed`.
  const index = Number(path.split(':')[0]);
  const schedule = fc.sample(scheduleArbitrary(actions), { seed: Number(seed), numRuns: index + 1 })[index];
  if (schedule === undefined) throw new Error('no schedule at that path');
  console.log(describeSchedule(schedule));
  const report = await runSchedule(schedule);
  console.log(JSON.stringify({ ...report, problems: undefined }), '\n- ' + report.problems.join('\n- '));
  expect(report.problems).toEqual([]);
}, 600_000);

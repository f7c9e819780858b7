/**
 * `npm run soak`: the convergence property (convergence.test.ts) for
 * thousands of schedules, longer ones than CI runs. Prints progress, the
 * figures at the end, and for a failure the schedule and how to replay it.
 *
 *   npm run soak                                  # 3000 schedules of up to 80 actions
 *   npm run soak -- --runs 10000 --actions 120 --seed 42
 *   npm run soak -- --minutes 30                  # as many as fit (stops by itself)
 *
 * Exit code 0 when every schedule held, 1 otherwise.
 */
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { runSchedule } from './sim/run-schedule.js';
import type { ScheduleReport } from './sim/run-schedule.js';
import { describeSchedule, scheduleArbitrary } from './sim/schedule.js';
import type { Schedule } from './sim/schedule.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3000' },
    actions: { type: 'string', default: '80' },
    seed: { type: 'string' },
    minutes: { type: 'string' },
  },
});
const runs = Number(values.runs);
const actions = Number(values.actions);
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
const deadline = values.minutes === undefined ? Infinity : Date.now() + Number(values.minutes) * 60_000;

const totals = { schedules: 0, ops: 0, acked: 0, delivered: 0, severed: 0 };
const started = Date.now();

async function property(schedule: Schedule): Promise<void> {
  const report: ScheduleReport = await runSchedule(schedule);
  totals.schedules++;
  totals.ops += report.ops;
  totals.acked += report.acked;
  totals.delivered += report.delivered;
  totals.severed += report.severed;
  if (totals.schedules % 100 === 0) {
    const seconds = (Date.now() - started) / 1000;
    process.stderr.write(`soak: ${totals.schedules} schedules, ${seconds.toFixed(0)} s\n`);
  }
  if (!report.ok) throw new Error(`Invariants broken:\n- ${report.problems.join('\n- ')}\nSchedule:\n${describeSchedule(schedule)}`);
}

const result = await fc.check(fc.asyncProperty(scheduleArbitrary(actions), property), {
  numRuns: runs,
  seed,
  endOnFailure: true,
  ...(deadline === Infinity ? {} : { interruptAfterTimeLimit: deadline - Date.now() }),
});
const seconds = (Date.now() - started) / 1000;
console.log(
  [
    `soak: ${totals.schedules} schedules of up to ${actions} actions in ${seconds.toFixed(1)} s (${((seconds * 1000) / Math.max(1, totals.schedules)).toFixed(0)} ms each), seed ${seed}`,
    `      ${totals.ops} ops written, ${totals.acked} acknowledged, ${totals.delivered} frames delivered, ${totals.severed} connections severed`,
  ].join('\n'),
);
if (result.failed) {
  const error = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
  console.log(`soak: FAILED at schedule ${totals.schedules}.\n${error}`);
  console.log(`Replay: TRELLIS_SIM_SEED=${seed} TRELLIS_SIM_PATH=${result.counterexamplePath} TRELLIS_SIM_ACTIONS=${actions} npx vitest run test/reliability/sim/replay.test.ts`);
  process.exit(1);
}
console.log('soak: every schedule converged with nothing lost.');
process.exit(0);

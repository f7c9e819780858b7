/**
 * The server under frames no WebSocket would deliver: client → server frames
 * on live connections are really dropped, duplicated and reordered (see
 * 'trellis/testing', `preserveOrder: false`). Clients rely on in-order
 * delivery and may stall (a push answered SERVER_SEQ_GAP blocks pushing until
 * the next connection); the server must not: nothing invalid stored, no
 * internal error, and once connections are renewed everything converges with
 * nothing lost (the invariants of sim/check.ts).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { runSchedule } from './sim/run-schedule.js';
import { describeSchedule, scheduleArbitrary } from './sim/schedule.js';

const RUNS = Number(process.env.TRELLIS_RAW_RUNS ?? 40);

describe('raw client frame faults', () => {
  test(`${RUNS} schedules with 10% of client frames dropped, duplicated or reordered keep the server correct`, async () => {
    // The schedule's own `faults` actions would replace the raw faults; leave them out.
    const schedules = scheduleArbitrary(40).map((s) => ({ ...s, actions: s.actions.filter((a) => a.kind !== 'faults') }));
    const result = await fc.check(
      fc.asyncProperty(schedules, async (schedule) => {
        const report = await runSchedule(schedule, { rawClientFaults: 0.1 });
        if (!report.ok) throw new Error(`Invariants broken:\n- ${report.problems.slice(0, 10).join('\n- ')}\n${describeSchedule(schedule)}`);
      }),
      { numRuns: RUNS, endOnFailure: true, ...(process.env.TRELLIS_SIM_SEED ? { seed: Number(process.env.TRELLIS_SIM_SEED) } : {}) },
    );
    expect(result.failed, fc.defaultReportMessage(result) ?? '').toBe(false);
  }, 300_000);
});

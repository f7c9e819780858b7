/**
 * Convergence over peered servers (issue 15): random schedules of 3 to 5 replicas spread over 2 or
 * 3 servers (in a line, or a ring of three) linked by the peer protocol (sim/peered-world.ts), with
 * the convergence simulation's writes and faults plus peer links cut and mended, servers restarted
 * (crashed) and compacted (a peer then catches up from baselines). After healing and draining,
 * check.ts's invariants hold on every server: each replica holds each server's documents, and
 * nothing any server acknowledged or any store wrote is lost.
 *
 * CI runs TRELLIS_PEER_SIM_RUNS (default 300) schedules of up to 40 actions: about a minute on the
 * shared 2-core machine (58 s, most schedules 0.1 to 0.7 s; TRELLIS_SIM_TIMING=1 prints each). Replay a failure with
 *   TRELLIS_SIM_SEED=<seed> TRELLIS_SIM_PATH=<path> npx vitest run test/reliability/peered-convergence.test.ts
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { describePeeredSchedule, peeredScheduleArbitrary } from './sim/peered-schedule.js';
import type { PeeredSchedule } from './sim/peered-schedule.js';
import { createPeeredWorld, disposePeeredWorld, runPeeredAction, verifyPeered } from './sim/peered-world.js';

const env = process.env;
const RUNS = Number(env.TRELLIS_PEER_SIM_RUNS ?? 300);
const MAX_ACTIONS = Number(env.TRELLIS_SIM_ACTIONS ?? 40);

/** Over all schedules: frames that crossed a peer link, and links cut. The property is not vacuous. */
const totals = { peerFrames: 0, cuts: 0, threeServers: 0 };

async function property(schedule: PeeredSchedule): Promise<void> {
  const peered = await createPeeredWorld(schedule);
  const started = performance.now();
  try {
    for (const action of schedule.actions) await runPeeredAction(peered, action);
    const verdict = await verifyPeered(peered);
    for (const pipe of peered.pipes) (totals.peerFrames += pipe.stats.frames), (totals.cuts += pipe.stats.cuts);
    if (schedule.servers === 3) totals.threeServers++;
    if (env.TRELLIS_SIM_TIMING) console.error(`schedule ${Math.round(performance.now() - started)} ms, drain ${verdict.drainTurns} turns, peer frames ${peered.pipes.map((p) => p.stats.frames).join('+')}`);
    if (!verdict.ok && env.TRELLIS_SIM_SEED !== undefined) console.error(verdict.problems.slice(0, 12).map((p) => p.replace(/L{20,}/g, 'L…')).join('\n'), JSON.stringify(peered.world.serverLogs.filter((l) => l.event.startsWith('replication'))).replace(/L{20,}/g, 'L…'));
    if (!verdict.ok) throw new Error(`Invariants broken:\n- ${verdict.problems.slice(0, 12).join('\n- ')}\nSchedule:\n${describePeeredSchedule(schedule)}`);
  } finally {
    await disposePeeredWorld(peered);
  }
}

describe('convergence over peered servers', () => {
  test(`${RUNS} random schedules over 2 or 3 peered servers heal into identical documents with nothing lost`, async () => {
    const replay = env.TRELLIS_SIM_SEED === undefined ? {} : { seed: Number(env.TRELLIS_SIM_SEED), ...(env.TRELLIS_SIM_PATH ? { path: env.TRELLIS_SIM_PATH } : {}) };
    const result = await fc.check(fc.asyncProperty(peeredScheduleArbitrary(MAX_ACTIONS), property), { numRuns: RUNS, endOnFailure: env.TRELLIS_SIM_SHRINK !== '1', ...replay });
    if (result.failed) {
      console.error(`peered convergence: schedule failed. Replay:\n  TRELLIS_SIM_SEED=${result.seed} TRELLIS_SIM_PATH=${result.counterexamplePath ?? ''} npx vitest run test/reliability/peered-convergence.test.ts`);
    }
    expect(result.failed, fc.defaultReportMessage(result) ?? '').toBe(false);
    if (RUNS >= 50 && env.TRELLIS_SIM_SEED === undefined) {
      expect(totals.peerFrames).toBeGreaterThan(0);
      expect(totals.cuts).toBeGreaterThan(0);
      expect(totals.threeServers).toBeGreaterThan(0);
    }
  }, 900_000);
});

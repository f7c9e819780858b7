/** One schedule, start to finish: build the world, run every action, drain, check, tear down. */
import { verify } from './check.js';
import type { Verdict } from './check.js';
import { rejects } from './reject-rule.js';
import type { Schedule } from './schedule.js';
import { createWorld, disposeWorld, runAction } from './world.js';
import type { WorldOptions } from './world.js';

export interface ScheduleReport extends Verdict {
  readonly ops: number;
  readonly acked: number;
  readonly delivered: number;
  readonly severed: number;
  /** Ops some store wrote that the server's rule rejects (reject-rule.ts). */
  readonly rejected: number;
}

export async function runSchedule(schedule: Schedule, options: WorldOptions = {}): Promise<ScheduleReport> {
  const world = await createWorld(schedule, options);
  try {
    for (const action of schedule.actions) await runAction(world, action);
    const verdict = await verify(world);
    const stats = world.network.stats;
    const rejected = [...world.written.values()].filter((op) => rejects(op, schedule.rejectPercent)).length;
    return { ...verdict, ops: world.written.size, acked: world.acked.size, delivered: stats.delivered, severed: stats.severed, rejected };
  } finally {
    await disposeWorld(world);
  }
}

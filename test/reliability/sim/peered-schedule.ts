/**
 * A schedule over 2 or 3 peered servers (in a line, or a ring of three): replicas spread over them
 * (replica i's home is server i mod servers), the actions of schedule.ts, and the servers' own:
 * a peer link cut and mended, one server restarted (a crash) or compacted. No write rule: which
 * server judges a peer's op is not what this checks.
 */
import fc from 'fast-check';
import { action, describeSchedule } from './schedule.js';
import type { Action, Schedule } from './schedule.js';

export type PeeredAction =
  | Action
  | { readonly kind: 'cut-peer'; readonly link: number }
  | { readonly kind: 'mend-peer'; readonly link: number }
  | { readonly kind: 'server'; readonly server: number; readonly what: 'restart' | 'compact' };

export interface PeeredSchedule extends Omit<Schedule, 'actions'> {
  readonly servers: number;
  /** Three servers in a ring (a-b, b-c, c-a) rather than a line. */
  readonly ring: boolean;
  readonly actions: readonly PeeredAction[];
}

/** The links, as [dialer, acceptor] server indexes. */
export function peerLinks(schedule: Pick<PeeredSchedule, 'servers' | 'ring'>): [number, number][] {
  const line: [number, number][] = Array.from({ length: schedule.servers - 1 }, (_, i) => [i + 1, i]);
  return schedule.ring && schedule.servers === 3 ? [...line, [0, 2]] : line;
}

function peeredAction(o: { replicas: number; servers: number }): fc.Arbitrary<PeeredAction> {
  const link = fc.integer({ min: 0, max: o.servers - 1 });
  const server = fc.integer({ min: 0, max: o.servers - 1 });
  return fc.oneof(
    // The base actions, but a server's restart and compaction name the server.
    { weight: 50, arbitrary: action(o.replicas).filter((a) => a.kind !== 'restart-server' && a.kind !== 'compact-server') },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('cut-peer' as const), link }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('mend-peer' as const), link }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('server' as const), server, what: fc.constantFrom('restart' as const, 'compact' as const) }) },
  );
}

/** 2 or 3 servers, 3 to 5 replicas, up to `maxActions` actions. */
export function peeredScheduleArbitrary(maxActions = 40): fc.Arbitrary<PeeredSchedule> {
  return fc.record({ servers: fc.integer({ min: 2, max: 3 }), replicas: fc.integer({ min: 3, max: 5 }) }).chain(({ servers, replicas }) =>
    fc.record({
      servers: fc.constant(servers),
      ring: fc.boolean(),
      replicas: fc.constant(replicas),
      networkSeed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      skews: fc.array(fc.integer({ min: -5000, max: 5000 }), { minLength: replicas, maxLength: replicas }),
      rejectPercent: fc.constant(0),
      actions: fc.array(peeredAction({ replicas, servers }), { minLength: Math.ceil(maxActions / 2), maxLength: maxActions, size: 'max' }),
    }),
  );
}

export function describePeeredSchedule(schedule: PeeredSchedule): string {
  return `servers=${schedule.servers} ring=${schedule.ring} links=${JSON.stringify(peerLinks(schedule))}\n${describeSchedule(schedule as unknown as Schedule)}`;
}

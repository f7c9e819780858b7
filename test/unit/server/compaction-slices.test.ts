import { describe, expect, test } from 'vitest';
import type { Op } from 'trellis';
import { createFakeServer } from '../../helpers/fake-sync-server.js';
import type { FakeClient, FakeServer } from '../../helpers/fake-sync-server.js';
import { wireOp } from '../../helpers/wire-ops.js';

const BACKLOG = 950;
const SLICE = 100;

const edits = (replicaId: string, from: number, to: number): Op[] =>
  Array.from({ length: to - from + 1 }, (_, i) => {
    const seq = from + i;
    const change = seq % 7 === 0 ? { kind: 'put' as const, value: { n: seq } } : { kind: 'set' as const, path: [`f${seq % 5}`], value: seq };
    return wireOp({ replicaId, seq, id: `d${seq % 40}`, change });
  });

/** A seeded (one op), B joined, then A pushed a backlog of BACKLOG ops in pushes of 500. */
function backlog(fake: FakeServer): { a: FakeClient; b: FakeClient } {
  const a = fake.connect('lib');
  a.hello({ replicaId: 'A', localSeq: 1, atRisk: 1 });
  a.send({ type: 'seed', baselines: [], ops: edits('A', 1, 1), done: true });
  a.take('synced');
  const b = fake.connect('lib');
  b.hello({ replicaId: 'B' });
  b.send({ type: 'join', replicaId: 'B2' });
  b.take('synced');
  for (let from = 2; from <= BACKLOG + 1; from += 500) a.send({ type: 'push', ops: edits('A', from, Math.min(from + 499, BACKLOG + 1)) });
  a.takeAll('ack');
  b.takeAll('ops');
  return { a, b };
}

const baselines = (fake: FakeServer) => fake.sql.exec('SELECT collection, id, state, replica, ts FROM baselines ORDER BY collection, id');

describe('compaction in slices', () => {
  test('a cursor over a large backlog squashes one slice, defers the rest, and another replica is served in between', () => {
    const deferred: string[] = [];
    const fake = createFakeServer({ limits: { compactSliceOps: SLICE, compactEveryOps: 1 }, deferCompaction: (library) => deferred.push(library) });
    const { a, b } = backlog(fake);
    const head = BACKLOG + 1;

    b.send({ type: 'cursor', serverSeq: head });
    expect(deferred).toEqual(['lib']);
    expect(fake.sql.exec('SELECT horizon FROM libraries')).toEqual([{ horizon: SLICE }]);
    expect(fake.sql.exec('SELECT COUNT(*) AS n FROM ops')).toEqual([{ n: head - SLICE }]);
    expect(a.takeAll('horizon')).toEqual([]);

    // Between two slices the library serves frames as usual: B's push is stored, fanned out to A and acked.
    b.send({ type: 'push', ops: edits('B2', 1, 1) });
    expect(a.take('ops').ops.map((e) => e.serverSeq)).toEqual([head + 1]);
    expect(b.take('ack')).toMatchObject({ firstServerSeq: head + 1 });

    const steps = [];
    for (;;) {
      const [step] = fake.server.compact('lib');
      steps.push(step);
      if (!step?.more) break;
    }
    expect(steps.every((step) => (step?.squashed ?? 0) <= SLICE)).toBe(true);
    expect(steps.at(-1)).toMatchObject({ horizon: head, more: false });
    expect(steps.map((step) => step?.squashed).reduce((x = 0, y = 0) => x + y, 0)).toBe(head - SLICE);
    // The live replicas hear of the horizon once, when compaction reached it.
    expect(a.takeAll('horizon')).toEqual([{ type: 'horizon', serverSeq: head }]);

    const oneShot = createFakeServer({ limits: { compactSliceOps: 1_000_000 } });
    const other = backlog(oneShot);
    other.b.send({ type: 'cursor', serverSeq: head });
    expect(oneShot.server.compact('lib')[0]).toMatchObject({ horizon: head, squashed: head, more: false });
    expect(baselines(fake)).toEqual(baselines(oneShot));
  });

  test('a slice of exactly the backlog finishes in one step; one op more takes a second step', () => {
    for (const [slice, steps] of [
      [BACKLOG + 1, 1],
      [BACKLOG, 2],
    ] as const) {
      const fake = createFakeServer({ limits: { compactSliceOps: slice } });
      const { b } = backlog(fake);
      b.send({ type: 'cursor', serverSeq: BACKLOG + 1 });
      const results = [fake.server.compact('lib')[0], fake.server.compact('lib')[0]];
      expect(results.slice(0, steps).map((r) => r?.more)).toEqual([...Array(steps - 1).fill(true), false]);
      expect(fake.sql.exec('SELECT COUNT(*) AS n FROM ops')).toEqual([{ n: 0 }]);
    }
  });
});

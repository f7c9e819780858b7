/**
 * The pure sync engine under any interleaving of events: server frames from a
 * model server, local commits, live-query answers, disconnects and
 * reconnects, join() calls, duplicated acks, timer ticks, other writers, and
 * a copied profile writing under the same replica id, and a server that
 * rejects some ops (as a write rule would). No IndexedDB, sockets
 * or sleeps: test/helpers/engine-world.ts drives step() as the shell does.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EngineWorld } from '../helpers/engine-world.js';

type Action = { kind: 'run' | 'deliver' | 'connect' | 'disconnect' | 'live-query' | 'join' | 'tick' | 'other' | 'impostor' | 'duplicate-ack' } | { kind: 'commit'; n: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ kind: 'run' as const }) },
  { weight: 6, arbitrary: fc.constant({ kind: 'deliver' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'connect' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'disconnect' as const }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('commit' as const), n: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'live-query' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'join' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'tick' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'other' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'duplicate-ack' as const }) },
);
const withImpostor = fc.oneof({ weight: 20, arbitrary: action }, { weight: 1, arbitrary: fc.constant({ kind: 'impostor' as const }) });
const autoJoin = fc.constantFrom('when-nothing-at-risk' as const, 'never' as const, 'always' as const);

function play(world: EngineWorld, actions: readonly Action[]): void {
  for (const a of actions) {
    switch (a.kind) {
      case 'run':
        world.run();
        break;
      case 'deliver':
        world.deliver();
        break;
      case 'connect':
        world.connect();
        break;
      case 'disconnect':
        world.disconnect();
        break;
      case 'commit':
        world.commit(a.n);
        break;
      case 'live-query':
        world.liveQuery();
        break;
      case 'join':
        world.join();
        break;
      case 'tick':
        world.tick();
        break;
      case 'other':
        world.otherWrites();
        break;
      case 'impostor':
        world.impostor();
        break;
      case 'duplicate-ack':
        world.duplicateAck();
        break;
    }
    world.checkAcknowledged();
    // A write counts as pending from the moment it is committed (defect 18).
    if (world.session.localTop?.replicaId === world.store.replicaId && world.session.state.pending < world.store.pending) {
      world.violations.push(`pending ${world.session.state.pending} < ${world.store.pending} unacknowledged`);
    }
  }
}

describe('sync engine step (property)', () => {
  let pushes = 0;
  let forks = 0;
  it('keeps its invariants under any interleaving: acknowledged only what the server holds, no op pushed under two contents, a join only with consent, one push in flight, valid phase changes; then converges', () => {
    fc.assert(
      fc.property(autoJoin, fc.boolean(), fc.array(withImpostor, { maxLength: 150, size: 'max' }), (policy, seeded, actions) => {
        const world = new EngineWorld(policy);
        // Half the runs start from a library this replica seeded, so most of them run live (pushes, acks).
        if (seeded) world.commit(1), world.settle();
        play(world, actions);
        expect(world.violations).toEqual([]);
        expect(world.settle()).toBe(true);
        pushes += world.pushed.size;
        forks += world.store.archives.filter((a) => a.reason === 'fork').length;
        world.checkAcknowledged();
        expect(world.violations).toEqual([]);
        // Converged: live, nothing pending, and every op of other writers applied.
        expect(world.session.state.phase).toBe('live');
        expect(world.store.pending).toBe(0);
        expect(world.session.state.pending).toBe(0);
        const others = world.server.log.filter((e) => e.op.replicaId !== world.store.replicaId);
        for (const e of others) expect(world.store.remote.has(`${e.op.replicaId}#${e.op.seq}`)).toBe(true);
      }),
      { numRuns: 400 },
    );
    // Not vacuous: the runs pushed, and some forked.
    expect(pushes).toBeGreaterThan(300);
    expect(forks).toBeGreaterThan(20);
  });

  let rejected = 0;
  let resent = 0;
  it('with a server that rejects some ops: rejects interleaved with acks, disconnects and resumes (hello.ackedSeq, resent rejects) never reuse a seq, push a rolled-back op or lose a pending one', () => {
    fc.assert(
      fc.property(autoJoin, fc.constantFrom(10, 30, 60), fc.array(withImpostor, { maxLength: 150, size: 'max' }), (policy, percent, actions) => {
        const world = new EngineWorld(policy, { rejectPercent: percent });
        world.commit(1), world.settle();
        const hellos = world.server.receive.bind(world.server);
        world.server.receive = (message) => {
          const replies = hellos(message);
          resent += message.type === 'hello' ? replies.filter((r) => r.type === 'reject').length : 0;
          return replies;
        };
        play(world, actions);
        expect(world.violations).toEqual([]);
        expect(world.settle()).toBe(true);
        world.checkAcknowledged();
        world.checkRejections();
        expect(world.violations).toEqual([]);
        expect(world.session.state.phase).toBe('live');
        expect(world.store.pending).toBe(0);
        expect(world.session.state.pending).toBe(0);
        rejected += world.told.length;
      }),
      { numRuns: 300 },
    );
    // Not vacuous: ops were rejected and rolled back, and some rejects were resent before a resume's decision.
    // (A typical run of 300: about 130 told, 60 resent.)
    expect(rejected).toBeGreaterThan(40);
    expect(resent).toBeGreaterThan(0);
  });

  it('a replica whose copy wrote under its id is never acknowledged past the fork, and joins as fork under a new id with its ops archived', () => {
    fc.assert(
      fc.property(fc.array(action, { maxLength: 60, size: 'max' }), fc.integer({ min: 1, max: 3 }), (actions, n) => {
        const world = new EngineWorld('never');
        world.commit(1);
        world.settle();
        const first = world.store.replicaId;
        play(world, actions);
        if (world.store.replicaId !== first) return;
        world.disconnect();
        world.commit(n);
        world.impostor();
        const archivedBefore = world.store.archives.length;
        expect(world.settle()).toBe(true);
        expect(world.violations).toEqual([]);
        expect(world.store.replicaId).not.toBe(first);
        const archive = world.store.archives.at(-1);
        expect(world.store.archives.length).toBe(archivedBefore + 1);
        expect(archive?.reason).toBe('fork');
      }),
      { numRuns: 200 },
    );
  });
});

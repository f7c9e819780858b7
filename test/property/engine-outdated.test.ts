/**
 * The pure sync engine against a server that requires a newer schema: under
 * any interleaving of local writes, live-query answers, reconnects, join()
 * calls and ticks, and whether the server's close or its SYNC_SCHEMA_OUTDATED
 * frame is stepped first, the engine ends in phase `outdated`, sends nothing
 * after its refused hello, and the server stores nothing of it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EngineWorld } from '../helpers/engine-world.js';

type Action = 'run' | 'deliver' | 'connect' | 'disconnect' | 'close-first' | 'commit' | 'live-query' | 'join' | 'tick';

const action = fc.constantFrom<Action>('run', 'run', 'run', 'deliver', 'deliver', 'connect', 'disconnect', 'close-first', 'commit', 'live-query', 'join', 'tick');

function play(world: EngineWorld, a: Action): void {
  switch (a) {
    case 'run':
      return void world.run();
    case 'deliver':
      return void world.deliver();
    case 'connect':
      return world.connect();
    case 'disconnect':
      return world.disconnect();
    case 'close-first':
      return world.closeFirst();
    case 'commit':
      return world.commit(1);
    case 'live-query':
      return world.liveQuery();
    case 'join':
      return world.join();
    case 'tick':
      return world.tick();
  }
}

/**
 * Runs and delivers until nothing moves, connecting again whenever the socket is closed (the transport
 * would not); with `closeFirst`, a pending server close is stepped before the frames ahead of it.
 */
function drain(world: EngineWorld, closeFirst: boolean): void {
  for (let i = 0; i < 2000; i++) {
    if (!world.socketOpen) world.connect();
    if (closeFirst && world.toClient.includes('close')) world.closeFirst();
    if (!world.run() && !world.deliver()) return;
  }
  throw new Error('the engine never got quiet');
}

describe('sync engine step against an outdated schema (property)', () => {
  it('ends in phase outdated with SYNC_SCHEMA_OUTDATED whatever happens, sends nothing after its hello, and the server stores nothing of it', () => {
    let closedFirst = 0;
    fc.assert(
      fc.property(fc.constantFrom('when-nothing-at-risk' as const, 'never' as const, 'always' as const), fc.array(action, { maxLength: 80 }), fc.boolean(), (policy, actions, closeFirst) => {
        const world = new EngineWorld(policy);
        world.server.minSchemaVersion = 2;
        world.otherWrites();
        for (const a of actions) play(world, a);
        drain(world, closeFirst);
        if (world.session.state.error?.message === 'SYNC_SCHEMA_OUTDATED') closedFirst++;
        expect(world.violations).toEqual([]);
        expect(world.session.state.phase).toBe('outdated');
        expect(world.session.state.error?.code).toBe('SYNC_SCHEMA_OUTDATED');
        expect(world.server.afterOutdated).toEqual([]);
        expect(world.server.replicas.has(world.store.replicaId)).toBe(false);
        expect(world.server.log.every((e) => e.op.replicaId === 'other')).toBe(true);
        // The store kept its writes, unacknowledged.
        expect(world.store.acked).toBe(0);
      }),
      { numRuns: 300 },
    );
    // Not vacuous: some runs stepped the close before the error frame.
    expect(closedFirst).toBeGreaterThan(50);
  });

  it('a store at the minimum is served as before and converges', () => {
    const world = new EngineWorld('when-nothing-at-risk');
    world.server.minSchemaVersion = 2;
    world.store.schemaVersion = 2;
    world.commit(2);
    expect(world.settle()).toBe(true);
    expect(world.session.state.phase).toBe('live');
    expect(world.store.acked).toBe(2);
  });
});

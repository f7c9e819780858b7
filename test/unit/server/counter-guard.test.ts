/**
 * Clients of protocol 4 cannot decode `inc`: the server never sends them a
 * frame that holds one (their decoder would drop it and a later frame would
 * move their cursor past it). They are told to update and closed with
 * VERSION_MISMATCH; libraries without counters serve them as before.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from 'trellis';
import { CloseCode } from 'trellis/protocol';
import { createFakeServer } from '../../helpers/fake-sync-server.js';
import type { FakeClient } from '../../helpers/fake-sync-server.js';
import { wireOp } from '../../helpers/wire-ops.js';

const helloAt = (client: FakeClient, o: { protocol: number; replicaId: string; serverSeq?: number }) => {
  const cursor = o.serverSeq === undefined ? null : { epoch: 'epoch-1', serverSeq: o.serverSeq };
  client.send({ type: 'hello', protocol: o.protocol, replicaId: o.replicaId, cursor, localSeq: 0, atRisk: 0 });
  return client.take('decision');
};

/** Library `lib` seeded by A with one put; A stays live. */
function seeded() {
  const fake = createFakeServer();
  const a = fake.connect('lib');
  expect(a.hello({ replicaId: 'A', localSeq: 1, atRisk: 1 }).decision).toBe('accept');
  a.send({ type: 'seed', baselines: [], ops: [wireOp({ replicaId: 'A', seq: 1, id: 'c', change: { kind: 'put', value: { n: 0 } } })], done: true });
  a.take('synced');
  return { fake, a };
}

const inc = (seq: number) => wireOp({ replicaId: 'A', seq, id: 'c', change: { kind: 'inc', path: ['n'], by: 1 } });

describe('counters and clients of protocol 4', () => {
  it('a live protocol 4 replica is closed with VERSION_MISMATCH instead of being sent an inc; a protocol 5 one gets it', () => {
    const { fake, a } = seeded();
    const old = fake.connect('lib');
    expect(helloAt(old, { protocol: 4, replicaId: 'OLD' }).decision).toBe('reset');
    old.send({ type: 'join', replicaId: 'OLD-2' });
    old.take('synced');
    const current = fake.connect('lib');
    expect(helloAt(current, { protocol: 5, replicaId: 'NEW' }).decision).toBe('reset');
    current.send({ type: 'join', replicaId: 'NEW-2' });
    current.take('synced');
    // Before any counter, the old replica is served like any other.
    a.send({ type: 'push', ops: [wireOp({ replicaId: 'A', seq: 2, id: 'c', change: { kind: 'set', path: ['n'], value: 5 } })] });
    expect(old.take('ops').ops).toHaveLength(1);
    current.take('ops');
    a.send({ type: 'push', ops: [inc(3)] });
    expect(current.take('ops').ops[0]?.op.change).toEqual({ kind: 'inc', path: ['n'], by: 1 });
    expect(old.take('error').code).toBe(ErrorCode.PROTOCOL_VERSION_MISMATCH);
    expect(old.takeAll('ops')).toEqual([]);
    expect(old.closedWith?.code).toBe(CloseCode.VERSION_MISMATCH);
  });

  it("a protocol 4 replica's catch-up or snapshot that would hold an inc, in an op or a baseline, ends in VERSION_MISMATCH", () => {
    const { fake, a } = seeded();
    a.send({ type: 'push', ops: [inc(2)] });
    a.take('ack');
    const joiner = fake.connect('lib');
    expect(helloAt(joiner, { protocol: 4, replicaId: 'OLD' }).decision).toBe('reset');
    joiner.send({ type: 'join', replicaId: 'OLD-2' });
    expect(joiner.takeAll('snapshot')).toEqual([]);
    expect(joiner.take('error').code).toBe(ErrorCode.PROTOCOL_VERSION_MISMATCH);
    expect(joiner.closedWith?.code).toBe(CloseCode.VERSION_MISMATCH);

    // Squashed into a baseline, the counter still refuses the snapshot.
    a.send({ type: 'cursor', serverSeq: 2 });
    expect(fake.server.compact('lib')[0]).toMatchObject({ horizon: 2 });
    const later = fake.connect('lib');
    expect(helloAt(later, { protocol: 4, replicaId: 'OLD-3' }).decision).toBe('reset');
    later.send({ type: 'join', replicaId: 'OLD-4' });
    expect(later.takeAll('snapshot')).toEqual([]);
    expect(later.closedWith?.code).toBe(CloseCode.VERSION_MISMATCH);
  });

  it('a protocol 4 replica resuming into a catch-up that holds an inc gets VERSION_MISMATCH, not the ops', () => {
    const { fake, a } = seeded();
    const old = fake.connect('lib');
    expect(helloAt(old, { protocol: 4, replicaId: 'OLD' }).decision).toBe('reset');
    old.send({ type: 'join', replicaId: 'OLD-2' });
    expect(old.take('synced').serverSeq).toBe(1);
    old.send({ type: 'cursor', serverSeq: 1 });
    old.disconnect();
    a.send({ type: 'push', ops: [inc(2)] });
    a.take('ack');
    const back = fake.connect('lib');
    const epoch = fake.sql.exec<{ epoch: string }>("SELECT epoch FROM libraries WHERE library = 'lib'")[0]?.epoch as string;
    back.send({ type: 'hello', protocol: 4, replicaId: 'OLD-2', cursor: { epoch, serverSeq: 1 }, localSeq: 0, atRisk: 0 });
    expect(back.take('decision').decision).toBe('resume');
    expect(back.takeAll('ops')).toEqual([]);
    expect(back.take('error').code).toBe(ErrorCode.PROTOCOL_VERSION_MISMATCH);
    expect(back.closedWith?.code).toBe(CloseCode.VERSION_MISMATCH);
  });
});

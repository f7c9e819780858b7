import { describe, expect, test } from 'vitest';
import { PROTOCOL_VERSION, utf8Length } from 'trellis/protocol';
import type { SyncLimits } from 'trellis/server';
import { recordingServer } from '../../helpers/fake-sync-server.js';
import { wireOps } from '../../helpers/wire-ops.js';

/** Two live replicas of one library; every frame either gets, in the order the server sent them. */
function twoReplicas(limits: Partial<SyncLimits> = {}) {
  const { open, say, sent } = recordingServer(limits);
  const a = open('A');
  say(a, { type: 'hello', protocol: PROTOCOL_VERSION, replicaId: 'A', cursor: null, localSeq: 1, atRisk: 0 });
  say(a, { type: 'seed', baselines: [], ops: wireOps('A', 1, 1), done: true });
  const b = open('B');
  say(b, { type: 'hello', protocol: PROTOCOL_VERSION, replicaId: 'B-hello', cursor: null, localSeq: 0, atRisk: 0 });
  say(b, { type: 'join', replicaId: 'B' });
  sent.length = 0;
  return { push: (from: number, to: number) => say(a, { type: 'push', ops: wireOps('A', from, to) }), sent };
}

describe('fan-out', () => {
  test('the other replica gets the ops frame before the pusher gets its ack, both after the commit', () => {
    const { push, sent } = twoReplicas();
    push(2, 3);
    expect(sent.map(({ to, message }) => `${to}:${message.type}`)).toEqual(['B:ops', 'A:ack']);
    const [ops] = sent;
    expect(ops?.message).toMatchObject({ type: 'ops', ops: [{ serverSeq: 2 }, { serverSeq: 3 }] });
    expect(ops?.message).not.toHaveProperty('progress');
  });

  test('a push bigger than chunkBytes arrives in several ops frames, each within it, every op once and in order', () => {
    const chunkBytes = 1000;
    const { push, sent } = twoReplicas({ chunkBytes });
    push(2, 31);
    const frames = sent.filter(({ to, message }) => to === 'B' && message.type === 'ops');
    expect(frames.length).toBeGreaterThan(1);
    const serverSeqs = frames.flatMap(({ message }) => (message.type === 'ops' ? message.ops.map((o) => o.serverSeq) : []));
    expect(serverSeqs).toEqual(Array.from({ length: 30 }, (_, i) => i + 2));
    // Cut by the protocol's cutFrames: the envelope counts, so every frame is within chunkBytes.
    for (const { frame } of frames) expect(utf8Length(frame)).toBeLessThanOrEqual(chunkBytes);
  });
});

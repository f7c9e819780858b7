/**
 * Every frame the server streams (snapshot, catch-up, fan-out) is cut by the
 * protocol's cutFrames: within the server's chunkBytes in UTF-8 bytes,
 * envelope included, unless it holds one item too big for it alone, whatever
 * the width of the text in it.
 */
import { describe, expect, test } from 'vitest';
import { PROTOCOL_VERSION, utf8Length } from 'trellis/protocol';
import type { ServerMessage } from 'trellis/protocol';
import type { Baseline } from '../../../src/core/index.js';
import { recordingServer } from '../../helpers/fake-sync-server.js';
import { wireOp, wireOps } from '../../helpers/wire-ops.js';

const CHUNK_BYTES = 2000;
const WIDE = ['漢字', '😀', 'é', 'ascii'];

/** A document's baseline with a title of wide text (3 bytes per UTF-16 unit for CJK). */
function wideBaseline(i: number): Baseline {
  const op = wireOp({ replicaId: 'A', seq: i + 1, id: `b-${i}`, change: { kind: 'put', value: { title: (WIDE[i % 4] as string).repeat(40 + i * 7) } } });
  return { collection: op.collection, id: op.id, replicaId: 'A', ts: op.ts, state: { entries: [{ stamp: `${op.ts}A`, seq: op.seq, change: op.change }] } };
}

const wideOps = (from: number, to: number) =>
  wireOps('A', from, to).map((op, i) => ({ ...op, change: { kind: 'put' as const, value: { title: (WIDE[i % 4] as string).repeat(30 + i * 11) } } }));

const rig = () => recordingServer({ chunkBytes: CHUNK_BYTES });

/** Every frame to `to` of `type` is within CHUNK_BYTES unless it holds a single item. */
function expectCut(frames: { frame: string; message: ServerMessage }[]) {
  expect(frames.length).toBeGreaterThan(2);
  for (const { frame, message } of frames) {
    const items = 'ops' in message ? message.ops.length + ('baselines' in message ? message.baselines.length : 0) : 0;
    if (items > 1) expect(utf8Length(frame)).toBeLessThanOrEqual(CHUNK_BYTES);
  }
}

describe('server frames in UTF-8 bytes', () => {
  test('a snapshot of wide-text baselines and ops, a catch-up and a fan-out: every frame within chunkBytes unless one item alone', () => {
    const { open, say, sent } = rig();
    const a = open('A');
    say(a, { type: 'hello', protocol: PROTOCOL_VERSION, replicaId: 'A', cursor: null, localSeq: 40, atRisk: 1 });
    const baselines = Array.from({ length: 20 }, (_, i) => wideBaseline(i));
    say(a, { type: 'seed', baselines, ops: wideOps(21, 40), done: true });
    const late = open('L');
    say(late, { type: 'hello', protocol: PROTOCOL_VERSION, replicaId: 'L', cursor: null, localSeq: 0, atRisk: 0 });
    say(late, { type: 'join', replicaId: 'L2' });
    const snapshot = sent.filter((s) => s.to === 'L' && s.message.type === 'snapshot');
    expectCut(snapshot);
    const byId = (x: Baseline, y: Baseline) => (x.id < y.id ? -1 : 1);
    expect(snapshot.flatMap((s) => (s.message.type === 'snapshot' ? s.message.baselines : []))).toEqual([...baselines].sort(byId));
    expect(snapshot.flatMap((s) => (s.message.type === 'snapshot' ? s.message.ops.map((o) => o.op) : []))).toEqual(wideOps(21, 40));

    // Fan-out to the live replica, then a catch-up of the same ops for a replica that comes back.
    const epoch = (sent.find((s) => s.to === 'L' && s.message.type === 'decision')?.message as { epoch: string }).epoch;
    say(a, { type: 'push', ops: wideOps(41, 70) });
    expectCut(sent.filter((s) => s.to === 'L' && s.message.type === 'ops'));
    const back = open('L2', 'L');
    say(back, { type: 'hello', protocol: PROTOCOL_VERSION, replicaId: 'L2', cursor: { epoch, serverSeq: 20 }, localSeq: 0, atRisk: 0 });
    const catchUp = sent.filter((s) => s.to === 'L2' && s.message.type === 'ops');
    expectCut(catchUp);
    expect(catchUp.flatMap((s) => (s.message.type === 'ops' ? s.message.ops.map((o) => o.serverSeq) : []))).toEqual(Array.from({ length: 30 }, (_, i) => i + 21));
  });
});

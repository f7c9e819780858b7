/**
 * Server fan-out: one library, 200 connected replicas, one writer pushing
 * single-op pushes (each awaited, as the sync client does); deliveries per
 * second until every replica has every op. Against a raw `ws` relay sending
 * the same bytes to the same 200 sockets.
 */
import { decodeServerMessage, encodeMessage } from '../../src/protocol/index.js';
import type { Op } from '../../src/core/index.js';
import { putOp } from '../harness/bench-ops.js';
import { compareRow } from '../harness/budget.js';
import { openPeer, type ProtocolPeer } from '../harness/protocol-peer.js';
import { startRelay } from '../harness/raw-ws.js';
import { interleave } from '../harness/stats.js';
import { SYNC_SERVER_KINDS, startSyncServer, type SyncServerKind } from '../harness/sync-server.js';
import type { Figure, FigureContext, FigureRow } from '../harness/types.js';
import WebSocket from 'ws';
import { CURSOR_INTERVAL_MS, createCursorThrottle } from '../../src/sync/cursor-throttle.js';
import { makeItem } from '../client/items.js';

const REPLICAS = 200;
/** Sockets opened at once while connecting the replicas. */
const CONNECT_BATCH = 50;

/**
 * Counts `ops` frames and acknowledges them with `cursor`s exactly as the sync
 * client does (its own throttle: the first at once, then at most one per
 * CURSOR_INTERVAL_MS). Returns a way to wait for a total.
 */
function receive(peer: ProtocolPeer) {
  const cursors = createCursorThrottle((serverSeq) => peer.send({ type: 'cursor', serverSeq }));
  let frames = 0;
  let wanted = Number.POSITIVE_INFINITY;
  let reached: (() => void) | undefined;
  peer.onFrame = (frame) => {
    if (frame.startsWith('{"type":"ops"')) {
      // Protocol 5 frames are packed (no plain `ops` array): decode as the sync client does.
      const decoded = decodeServerMessage(frame);
      if (!decoded.ok || decoded.value.type !== 'ops') throw new Error(`fan-out: an ops frame did not decode: ${frame.slice(0, 120)}`);
      cursors.offer((decoded.value.ops.at(-1) as { serverSeq: number }).serverSeq);
      if (++frames >= wanted) reached?.();
    }
    return true;
  };
  return {
    stop: () => cursors.cancel(),
    until(total: number): Promise<void> {
      if (frames >= total) return Promise.resolve();
      wanted = total;
      return new Promise((resolve) => (reached = resolve));
    },
  };
}

/** The raw side: sockets to the relay that count frames (parsing them, as a replica would). */
async function rawReceivers(url: string) {
  const sockets: WebSocket[] = [];
  const waits = await inBatches(REPLICAS, async () => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
    sockets.push(ws);
    let frames = 0;
    let wanted = Number.POSITIVE_INFINITY;
    let reached: (() => void) | undefined;
    ws.on('message', (data) => {
      JSON.parse(data.toString());
      if (++frames >= wanted) reached?.();
    });
    return (total: number) => (frames >= total ? Promise.resolve() : new Promise<void>((resolve) => ((wanted = total), (reached = resolve))));
  });
  return { waits, close: () => sockets.forEach((ws) => ws.terminate()) };
}

async function inBatches<T>(count: number, open: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < count; i += CONNECT_BATCH) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(CONNECT_BATCH, count - i) }, (_, j) => open(i + j)))));
  }
  return out;
}

/** Sends each frame once the previous one is acknowledged; resolves on the last ack. */
function paced(o: {
  send: (frame: string) => void;
  frames: readonly string[];
  onAck: (listener: () => void, refused: (err: Error) => void) => void;
}): Promise<void> {
  return new Promise((resolve, reject) => {
    let next = 0;
    o.onAck(() => (next < o.frames.length ? o.send(o.frames[next++] as string) : resolve()), reject);
    o.send(o.frames[next++] as string);
  });
}

async function measure(ctx: FigureContext, kind: SyncServerKind): Promise<FigureRow> {
  const pushes = ctx.quick ? 20 : 50;
  const server = await startSyncServer(kind, ctx.root);
  const relay = await startRelay({ ack: true });
  const peers: ProtocolPeer[] = [];
  try {
    const open = async (user: string) => {
      const peer = await openPeer({ url: server.url, library: 'fanout', token: await server.token('fanout', 'write', user) });
      peers.push(peer);
      return peer;
    };
    const writer = await open('writer');
    // A library with history, so that the replicas join it (a reset) instead of each trying to seed it.
    await writer.seed('writer', [putOp({ replicaId: 'writer', seq: 1, item: makeItem('fan', 0) })]);
    const receivers = (
      await inBatches(REPLICAS, async (i) => {
        const peer = await open(`replica-${i}`);
        await peer.joinLive(`replica-${i}`);
        return peer;
      })
    ).map(receive);
    const raw = await rawReceivers(relay.url);
    const rawWriter = new WebSocket(relay.url, { perMessageDeflate: false });
    await new Promise((resolve) => rawWriter.once('open', resolve));
    let seq = 2;
    let serverSeq = 1;
    let delivered = 0;
    let rawDelivered = 0;
    const frameSizes: number[] = [];
    const values = await interleave({
      samples: ctx.quick ? 5 : 20,
      warmup: 2,
      sample: async (side) => {
        let ms: number;
        if (side === 'trellis') {
          const ops: Op[] = Array.from({ length: pushes }, () => putOp({ replicaId: 'writer', seq, item: makeItem('fan', seq++) }));
          const frames = ops.map((op) => encodeMessage({ type: 'push', ops: [op] }));
          delivered += pushes;
          const all = Promise.all(receivers.map((r) => r.until(delivered)));
          const start = performance.now();
          await paced({
            send: (frame) => writer.sendFrame(frame),
            frames,
            onAck: (listener, refused) => {
              writer.onFrame = (frame) => {
                if (frame.startsWith('{"type":"ack"')) listener();
                else if (frame.startsWith('{"type":"error"')) refused(new Error(`server refused: ${frame}`));
                return true;
              };
            },
          });
          await all;
          ms = performance.now() - start;
        } else {
          // The bytes each replica receives from the server for ops like these.
          const ops: Op[] = Array.from({ length: pushes }, (_, i) => putOp({ replicaId: 'writer', seq: seq + i, item: makeItem('fan', seq + i) }));
          const frames = ops.map((op) => encodeMessage({ type: 'ops', ops: [{ serverSeq: ++serverSeq, op }] }));
          frameSizes.push(Buffer.byteLength(frames[0] as string));
          rawDelivered += pushes;
          const all = Promise.all(raw.waits.map((wait) => wait(rawDelivered)));
          const start = performance.now();
          await paced({ send: (frame) => rawWriter.send(frame), frames, onAck: (listener) => rawWriter.on('message', listener) });
          await all;
          rawWriter.removeAllListeners('message');
          ms = performance.now() - start;
        }
        return (pushes * REPLICAS * 1000) / ms;
      },
    });
    for (const r of receivers) r.stop();
    rawWriter.terminate();
    raw.close();
    return compareRow({
      figure: `server fan-out (${kind})`,
      unit: 'deliveries/s',
      better: 'higher',
      values,
      limit: `raw ws relay of the same bytes to ${REPLICAS} sockets`,
      budget: kind === 'node' ? { minRatio: 0.5 } : {},
      notes:
        `1 library, ${REPLICAS} live replicas (raw protocol clients over ws in the bench process) and 1 writer; ` +
        `a sample is ${pushes} single-op pushes of a new document, each sent when the previous one is acknowledged, ` +
        `timed until every replica received every op (a delivery = one op to one replica, ~${Math.round(median(frameSizes))} B frame); ` +
        `replicas acknowledge with cursors as the sync client does (the first at once, then at most one per ${CURSOR_INTERVAL_MS} ms). ` +
        `Limit: a ws relay that forwards the writer's frame to the same ${REPLICAS} sockets and acks it, same pacing; receivers parse each frame on both sides. ` +
        (kind === 'node' ? 'Server in the bench process.' : 'Server in workerd under miniflare (informative: no budget).'),
    });
  } finally {
    await Promise.all(peers.map((p) => p.close()));
    await relay.close();
    await server.close();
  }
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
}

export const serverFanOut: Figure = {
  name: 'server-fan-out',
  title: `server fan-out: 1 library, ${REPLICAS} connected replicas, deliveries/s`,
  async run(ctx) {
    const rows: FigureRow[] = [];
    // Connecting 200 replicas to workerd takes most of a quick run's budget; its row is informative, so full runs only.
    for (const kind of ctx.quick ? (['node'] as const) : SYNC_SERVER_KINDS) {
      ctx.log(`server-fan-out: ${kind}`);
      rows.push(await measure(ctx, kind));
    }
    return rows;
  },
};

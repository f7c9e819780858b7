/** Everything the server streams in chunks: catch-up, snapshots and live fan-out. */
import type { Baseline } from '../../core/index.js';
import { encodeMessage, utf8Length } from '../../protocol/index.js';
import type { ServerOp } from '../../protocol/index.js';
import { countBaselines, streamSizedBaselines } from './baselines.js';
import { chunkBy, chunkBySize, withLast } from './chunk.js';
import { libraryConnections } from './context.js';
import type { ConnectionState } from './context.js';
import type { LibraryRow } from './libraries.js';
import { countOps, streamOps } from './op-log.js';
import { closeIfExpired, send, sendFrame } from './outbox.js';

/** Other replicas' ops after `after`, in `ops` chunks with progress. Synchronous, so no write interleaves. */
export function sendCatchUp(conn: ConnectionState, after: number): void {
  const { sql, limits } = conn.ctx;
  const range = { library: conn.library, after, ...(conn.replicaId === undefined ? {} : { except: conn.replicaId }) };
  const total = countOps(sql, range);
  let received = 0;
  for (const ops of chunkBySize(streamOps(sql, range), limits.chunkBytes)) {
    received += ops.length;
    send(conn, { type: 'ops', ops, progress: { received, total } });
  }
}

type SnapshotItem = { readonly baseline: Baseline; readonly chars: number } | { readonly entry: ServerOp };

function* snapshotItems(conn: ConnectionState): Generator<SnapshotItem> {
  yield* streamSizedBaselines(conn.ctx.sql, conn.library);
  for (const entry of streamOps(conn.ctx.sql, { library: conn.library, after: 0 })) yield { entry };
}

/**
 * Baselines are sized from their stored JSON in UTF-16 code units: a chunk of
 * non-ASCII text may then reach 3× chunkBytes in UTF-8, still under
 * MAX_FRAME_BYTES (chunkBytes is at most a quarter of it).
 */
const snapshotItemSize = (item: SnapshotItem) => ('chars' in item ? item.chars : utf8Length(JSON.stringify(item.entry)));

/** The complete library state (every baseline, then every op) in `snapshot` chunks; the last has done: true. */
export function sendSnapshot(conn: ConnectionState, library: LibraryRow): void {
  const { sql, limits } = conn.ctx;
  const total = countBaselines(sql, library.library) + countOps(sql, { library: library.library, after: 0 });
  const head = { type: 'snapshot', epoch: library.epoch, serverSeq: library.head_seq, horizon: library.horizon } as const;
  let received = 0;
  let sent = false;
  for (const { value: items, last } of withLast(chunkBy(snapshotItems(conn), { maxBytes: limits.chunkBytes, sizeOf: snapshotItemSize }))) {
    received += items.length;
    const baselines = items.flatMap((item) => ('baseline' in item ? [item.baseline] : []));
    const ops = items.flatMap((item) => ('entry' in item ? [item.entry] : []));
    send(conn, { ...head, baselines, ops, progress: { received, total }, done: last });
    sent = true;
  }
  if (!sent) send(conn, { ...head, baselines: [], ops: [], progress: { received: 0, total: 0 }, done: true });
}

/** New ops to every other live replica of the library (never back to the replica that wrote them). */
export function fanOut(from: ConnectionState, entries: readonly ServerOp[]): void {
  const peers = libraryConnections(from.ctx, from.library).filter(
    (peer) => peer !== from && peer.phase === 'live' && peer.replicaId !== from.replicaId,
  );
  if (peers.length === 0 || entries.length === 0) return;
  const frames = opsFrames(entries, from.ctx.limits.chunkBytes);
  for (const peer of peers) {
    if (closeIfExpired(peer)) continue;
    for (const frame of frames) sendFrame(peer, frame);
  }
}

/**
 * The `ops` frames of a push's entries, as chunkBySize would group them. A
 * push almost always fits one frame: encode it once, and size ops one by one
 * (encoding each a second time) only when it does not.
 */
function opsFrames(entries: readonly ServerOp[], maxBytes: number): string[] {
  const whole = encodeMessage({ type: 'ops', ops: entries });
  // UTF-8 takes at most three bytes per UTF-16 unit: count exactly only when that bound is over.
  if (whole.length * 3 <= maxBytes || utf8Length(whole) <= maxBytes) return [whole];
  return [...chunkBySize(entries, maxBytes)].map((ops) => encodeMessage({ type: 'ops', ops }));
}

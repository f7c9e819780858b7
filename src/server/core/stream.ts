/** Everything the server streams in chunks: catch-up, snapshots and live fan-out. */
import type { Baseline } from '../../core/index.js';
import { cutFrames, encodeMessage, frameBytes, jsonBytes, utf8Exceeds, withLast } from '../../protocol/index.js';
import type { ServerOp } from '../../protocol/index.js';
import { countBaselines, streamSizedBaselines } from './baselines.js';
import { libraryConnections } from './context.js';
import type { ConnectionState } from './context.js';
import type { LibraryRow } from './libraries.js';
import { countOps, streamOps } from './op-log.js';
import { closeIfExpired, send, sendFrame } from './outbox.js';
import { refuseCounters } from './counter-guard.js';
import { forwardOps } from './peer-forward.js';
import { packedOpsFrames, readsPacked, sendPacked } from './packed-stream.js';
import { catchUpFilter, entriesFor, queryFilter } from './replica-query.js';
import type { DocFilter } from './replica-query.js';

/**
 * Every frame below is cut by the protocol's cutFrames: at most chunkBytes in
 * UTF-8, or one item alone when it is bigger. An op is at most MAX_OP_BYTES
 * (the server refuses bigger ones), so even alone its frame is within
 * MAX_FRAME_BYTES.
 */

/** Other replicas' ops after `after`, in `ops` chunks with progress. Synchronous, so no write interleaves. */
export function sendCatchUp(conn: ConnectionState, after: number): void {
  const { sql, limits } = conn.ctx;
  const range = { library: conn.library, after, ...(conn.replicaId === undefined ? {} : { except: conn.replicaId }), ...onlyOf(catchUpFilter(conn)) };
  const total = countOps(sql, range);
  if (readsPacked(conn)) {
    sendPacked(conn, { head: { type: 'ops' }, items: mapItems(streamOps(sql, range), (entry) => ({ entry })), total, withDone: false });
    return;
  }
  // The envelope at its largest: progress.received grows up to total.
  const envelopeBytes = frameBytes({ type: 'ops', ops: [], progress: { received: total, total } });
  let received = 0;
  for (const ops of cutFrames(streamOps(sql, range), { envelopeBytes, budgetBytes: limits.chunkBytes, sizeOf: jsonBytes })) {
    if (refuseCounters(conn, { ops })) return;
    received += ops.length;
    send(conn, { type: 'ops', ops, progress: { received, total } });
  }
}

type SnapshotItem = { readonly baseline: Baseline; readonly bytes: number } | { readonly entry: ServerOp };

function* mapItems<T, U>(items: Iterable<T>, f: (item: T) => U): Generator<U> {
  for (const item of items) yield f(item);
}

function* snapshotItems(conn: ConnectionState, only: DocFilter | undefined): Generator<SnapshotItem> {
  yield* streamSizedBaselines(conn.ctx.sql, conn.library, only);
  for (const entry of streamOps(conn.ctx.sql, { library: conn.library, after: 0, ...onlyOf(only) })) yield { entry };
}

/** A range's `only` when the connection has a query (replica-query.ts). */
const onlyOf = (only: DocFilter | undefined) => (only === undefined ? {} : { only });

/** Baselines come sized from their stored JSON (UTF-8 bytes, without serializing the state again). */
const snapshotItemBytes = (item: SnapshotItem) => ('bytes' in item ? item.bytes : jsonBytes(item.entry));

/**
 * The complete library state (every baseline, then every op) in `snapshot` chunks; the last has done: true.
 * Only the documents of the connection's query, or of `only` (a widening: widen.ts).
 */
export function sendSnapshot(conn: ConnectionState, library: LibraryRow, only: DocFilter | undefined = queryFilter(conn)): void {
  const { sql, limits } = conn.ctx;
  const total = countBaselines(sql, library.library, only) + countOps(sql, { library: library.library, after: 0, ...onlyOf(only) });
  const head = { type: 'snapshot', epoch: library.epoch, serverSeq: library.head_seq, horizon: library.horizon } as const;
  // Packed clients are of protocol 5 or later: they read counters, so no refuseCounters there.
  if (readsPacked(conn)) {
    sendPacked(conn, { head, items: snapshotItems(conn, only), total, withDone: true });
    return;
  }
  const envelopeBytes = frameBytes({ ...head, baselines: [], ops: [], progress: { received: total, total }, done: false });
  const chunks = cutFrames(snapshotItems(conn, only), { envelopeBytes, budgetBytes: limits.chunkBytes, sizeOf: snapshotItemBytes });
  let received = 0;
  let sent = false;
  for (const { value: items, last } of withLast(chunks)) {
    received += items.length;
    const baselines = items.flatMap((item) => ('baseline' in item ? [item.baseline] : []));
    const ops = items.flatMap((item) => ('entry' in item ? [item.entry] : []));
    if (refuseCounters(conn, { ops, baselines })) return;
    send(conn, { ...head, baselines, ops, progress: { received, total }, done: last });
    sent = true;
  }
  if (!sent) send(conn, { ...head, baselines: [], ops: [], progress: { received: 0, total: 0 }, done: true });
}

/** New ops to every other live replica of the library (never back to the replica that wrote them). */
export function fanOut(from: ConnectionState, entries: readonly ServerOp[]): void {
  // Other servers too (peering): every stored op, whoever wrote it, but never back to the link it came from.
  forwardOps(from, entries);
  const peers = libraryConnections(from.ctx, from.library).filter(
    (peer) => peer !== from && peer.phase === 'live' && peer.replicaId !== from.replicaId,
  );
  if (peers.length === 0 || entries.length === 0) return;
  // Each form is built once, for the first peer that reads it.
  let plain: string[] | undefined;
  let packed: string[] | undefined;
  for (const peer of peers) {
    // A peer with a query gets only its documents, in frames of its own (replica-query.ts).
    const mine = entriesFor(peer, entries);
    if (mine.length === 0) continue;
    if (mine !== entries) {
      if (!closeIfExpired(peer) && !refuseCounters(peer, { ops: mine })) sendOwnFrames(peer, mine);
      continue;
    }
    if (closeIfExpired(peer) || refuseCounters(peer, { ops: entries })) continue;
    const frames = readsPacked(peer)
      ? (packed ??= packedOpsFrames(entries, from.ctx.limits.chunkBytes))
      : (plain ??= opsFrames(entries, from.ctx.limits.chunkBytes));
    for (const frame of frames) sendFrame(peer, frame);
  }
}

function sendOwnFrames(peer: ConnectionState, entries: readonly ServerOp[]): void {
  const chunkBytes = peer.ctx.limits.chunkBytes;
  for (const frame of readsPacked(peer) ? packedOpsFrames(entries, chunkBytes) : opsFrames(entries, chunkBytes)) sendFrame(peer, frame);
}

/** `{"type":"ops","ops":[]}`: a live fan-out frame besides its ops. */
const FAN_OUT_ENVELOPE_BYTES = frameBytes({ type: 'ops', ops: [] });

/**
 * The `ops` frames of a push's entries, cut as cutFrames cuts them. A push
 * almost always fits one frame: encode it once, and size ops one by one
 * (encoding each a second time) only when it does not.
 */
function opsFrames(entries: readonly ServerOp[], maxBytes: number): string[] {
  const whole = encodeMessage({ type: 'ops', ops: entries });
  if (!utf8Exceeds(whole, maxBytes)) return [whole];
  const groups = cutFrames(entries, { envelopeBytes: FAN_OUT_ENVELOPE_BYTES, budgetBytes: maxBytes, sizeOf: jsonBytes });
  return [...groups].map((ops) => encodeMessage({ type: 'ops', ops }));
}

/**
 * The packed form of what stream.ts sends (protocol/packed.ts): catch-up,
 * snapshot and fan-out frames for clients whose hello said PACKED_PROTOCOL or
 * later. The same items in the same order and the same chunk budget; only
 * the frames' text differs.
 */
import { EMPTY_PACKED, PACKED_PROTOCOL, packFrames, packedFrame, utf8Length, withLast } from '../../protocol/index.js';
import type { PackItem, Progress, ServerOp } from '../../protocol/index.js';
import type { ConnectionState } from './context.js';
import { sendFrame } from './outbox.js';

/** Whether this connection reads packed frames. Unknown (a connection restored from before version 5 saved it): plain, which every client reads. */
export const readsPacked = (conn: ConnectionState): boolean => conn.protocol !== undefined && conn.protocol >= PACKED_PROTOCOL;

/** Sends `items` as packed frames `{...head, progress, (done)}`, progress counting on from `received`; the last frame gets done: true when `done` is given. */
export function sendPacked(
  conn: ConnectionState,
  o: { head: object; items: Iterable<PackItem>; total: number; withDone: boolean },
): void {
  // The envelope at its largest: progress.received grows up to total, done: false is the longer.
  const largest = { ...o.head, progress: { received: o.total, total: o.total }, ...(o.withDone ? { done: false } : {}) };
  const envelopeBytes = utf8Length(packedFrame(largest, EMPTY_PACKED));
  let received = 0;
  let sent = false;
  for (const { value: group, last } of withLast(packFrames(o.items, { envelopeBytes, budgetBytes: conn.ctx.limits.chunkBytes }))) {
    received += group.baselines + group.ops;
    const progress: Progress = { received, total: o.total };
    sendFrame(conn, packedFrame({ ...o.head, progress, ...(o.withDone ? { done: last } : {}) }, group.packed));
    sent = true;
  }
  if (!sent && o.withDone) sendFrame(conn, packedFrame({ ...o.head, progress: { received: 0, total: 0 }, done: true }, EMPTY_PACKED));
}

/** A push's entries as packed live `ops` frames (no progress), cut at `maxBytes`. */
export function packedOpsFrames(entries: readonly ServerOp[], maxBytes: number): string[] {
  const envelopeBytes = utf8Length(packedFrame({ type: 'ops' }, EMPTY_PACKED));
  const groups = packFrames(
    entries.map((entry) => ({ entry })),
    { envelopeBytes, budgetBytes: maxBytes },
  );
  return [...groups].map((group) => packedFrame({ type: 'ops' }, group.packed));
}

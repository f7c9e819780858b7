/**
 * Cutting a stream of items (ops, server ops, baselines) into frames under a
 * byte budget, counted in UTF-8 bytes of the encoded frame. The client's
 * pushes and seeds and the server's catch-up, snapshot and fan-out frames are
 * all cut here, so both sides agree on what a frame may hold.
 */
import type { ClientMessage, ServerMessage } from './messages.js';
import { encodeMessage } from './codec.js';
import { utf8Length } from './utf8.js';

/** UTF-8 bytes of a message's frame. */
export function frameBytes(message: ClientMessage | ServerMessage): number {
  return utf8Length(encodeMessage(message));
}

/** UTF-8 bytes of one item's JSON, as it appears inside a frame. */
export function jsonBytes(value: unknown): number {
  return utf8Length(JSON.stringify(value));
}

export interface CutOptions<T> {
  /**
   * Bytes of the frame with its item arrays empty, at its largest: progress
   * at its total, `done: false`. Every frame of the stream must be within it.
   */
  readonly envelopeBytes: number;
  /** Most bytes of one frame. Only an item too big for it alone makes a bigger frame, with nothing else. */
  readonly budgetBytes: number;
  /** UTF-8 bytes of one item's JSON (`jsonBytes`, or a size known without serializing). */
  readonly sizeOf: (item: T) => number;
  /** Most items in one frame. */
  readonly maxItems?: number;
}

/**
 * Groups items, in order, so that each group's frame (the envelope, the items
 * and the commas between them) is at most `budgetBytes`. An item that does
 * not fit even alone travels alone. Lazy: items are read as groups fill.
 */
export function* cutFrames<T>(items: Iterable<T>, o: CutOptions<T>): Generator<T[]> {
  const maxItems = o.maxItems ?? Infinity;
  let group: T[] = [];
  // The envelope plus each item and one comma per item after the first; with
  // items split across two arrays (baselines and ops) this over-counts by one.
  let bytes = o.envelopeBytes;
  for (const item of items) {
    const size = o.sizeOf(item);
    if (group.length > 0 && (bytes + 1 + size > o.budgetBytes || group.length >= maxItems)) {
      yield group;
      group = [];
      bytes = o.envelopeBytes;
    }
    bytes += (group.length > 0 ? 1 : 0) + size;
    group.push(item);
  }
  if (group.length > 0) yield group;
}

/** Each value with whether it is the last one (one value of lookahead). */
export function* withLast<T>(values: Iterable<T>): Generator<{ value: T; last: boolean }> {
  const iterator = values[Symbol.iterator]();
  let current = iterator.next();
  while (!current.done) {
    const next = iterator.next();
    yield { value: current.value, last: next.done === true };
    current = next;
  }
}

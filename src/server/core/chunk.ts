/** Splitting streams of items into frames under a byte budget. */
import { utf8Length } from '../../protocol/index.js';

/**
 * Groups items so that each group's JSON is about `maxBytes` at most. An item
 * bigger than the budget travels alone. Lazy: items are read as groups fill.
 */
export function chunkBySize<T>(items: Iterable<T>, maxBytes: number): Generator<T[]> {
  return chunkBy(items, { maxBytes, sizeOf: (item) => utf8Length(JSON.stringify(item)) });
}

/**
 * chunkBySize with the caller's measure of an item's JSON, for items whose
 * size is known without serializing them again (a snapshot's baselines come
 * from stored JSON: bench late-joiner spent a third of the snapshot's time
 * sizing them).
 */
export function* chunkBy<T>(items: Iterable<T>, o: { maxBytes: number; sizeOf: (item: T) => number }): Generator<T[]> {
  const { maxBytes } = o;
  let chunk: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = o.sizeOf(item) + 1;
    if (chunk.length > 0 && bytes + size > maxBytes) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(item);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
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

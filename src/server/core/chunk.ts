/** Splitting streams of items into frames under a byte budget. */
import { utf8Length } from '../../protocol/index.js';

/**
 * Groups items so that each group's JSON is about `maxBytes` at most. An item
 * bigger than the budget travels alone. Lazy: items are read as groups fill.
 */
export function* chunkBySize<T>(items: Iterable<T>, maxBytes: number): Generator<T[]> {
  let chunk: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = utf8Length(JSON.stringify(item)) + 1;
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

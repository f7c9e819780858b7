/**
 * The size rule on the receiving side of the packed form: an item decoded
 * from a packed row must be within the limit its plain form has (MAX_OP_BYTES,
 * MAX_BASELINE_BYTES), or the frame is refused. A packed row can decode to
 * far more than its own bytes (a shape names keys once for many rows), so the
 * frame's size alone no longer bounds its items. Sized without serializing:
 * a bound from the row's leaves and its shape, and the exact size only for
 * the rare item whose bound is over the limit.
 */
import { utf8Exceeds, utf8Length } from './utf8.js';
import { PackProblem } from './packed-shape.js';

/**
 * Most bytes the decoded JSON adds per entry beyond its leaves and shape:
 * `{"stamp":"…","seq":,"change":{"kind":,"path":,"value":,"item":,"pos":}}`
 * with a 13-character timestamp and a 64-character replica id is about 150;
 * the item's own frame (collection, id, state, replicaId, ts, or serverSeq
 * and op) counts as one more entry.
 */
const ENTRY_BYTES = 256;

/** Upper bound of a leaf's JSON in UTF-8: a string's unit takes at most 6 bytes (`\u001f`), a number at most 24 characters. */
function leafBound(leaf: unknown): number {
  switch (typeof leaf) {
    case 'string':
      return leaf.length * 6 + 2;
    case 'number':
      return 24;
    case 'boolean':
      return 5;
    default:
      return leaf === null ? 4 : utf8Length(JSON.stringify(leaf) ?? '');
  }
}

export interface UnpackedBounds {
  /** Throws a PackProblem when `sized`, the baseline or op decoded from `row`, is over `limit` bytes. */
  check(row: readonly unknown[], sized: unknown, limit: number): void;
}

export function unpackedBounds(shapes: readonly unknown[]): UnpackedBounds {
  const shapeBytes = new Map<number, number>();
  const bytesOf = (index: number) => {
    let bytes = shapeBytes.get(index);
    if (bytes === undefined) shapeBytes.set(index, (bytes = utf8Length(JSON.stringify(shapes[index]))));
    return bytes;
  };
  return {
    check(row, sized, limit) {
      const shape = shapes[row[0] as number] as unknown[];
      const entries = shape[0] === 'b' ? (shape[2] as unknown[]).length + 1 : 1;
      let bound = bytesOf(row[0] as number) + ENTRY_BYTES * entries;
      for (let i = 1; i < row.length && bound <= limit; i++) bound += leafBound(row[i]);
      if (bound <= limit || !utf8Exceeds(JSON.stringify(sized), limit)) return;
      throw new PackProblem(`a row decodes to more than ${limit} bytes, the most its plain form may hold`);
    },
  };
}

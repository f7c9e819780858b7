/**
 * `collection.increment(id, path, by)`: a counter that merges by adding
 * (merge/fold-entries.ts). The arguments are checked before the write
 * transaction, the total inside it against the document as it is then.
 */
import type { Change, Path } from '../core/index.js';
import { ErrorCode, TrellisError } from '../core/index.js';
import { NAME_RULE, nameProblem } from '../protocol/index.js';
import type { CollectionDef } from '../schema/index.js';
import { fieldAt } from '../schema/index.js';
import { notFound, violation } from './collection-changes.js';
import { valueAt } from './value-at.js';
import type { CurrentDoc } from './write.js';

export interface IncrementTarget {
  readonly collection: string;
  readonly def: CollectionDef;
  readonly id: string;
}

/** A top-level field name, or the path of a nested number field (through objects and maps). */
export type IncrementPath = string | readonly string[];

/**
 * The path as segments, checked: each a name, and together a number field of
 * the schema. Throws INVALID_ARGUMENT for a malformed path or amount,
 * SCHEMA_VIOLATION for a path that is not a number field; nothing is written.
 */
export function incrementPath(target: IncrementTarget, path: unknown, by: unknown): Path {
  const segments = typeof path === 'string' ? [path] : path;
  if (!Array.isArray(segments) || segments.length === 0 || segments.some((s) => nameProblem(s) !== undefined)) {
    throw new TrellisError(ErrorCode.INVALID_ARGUMENT, `increment on ${target.collection} takes a field name or a non-empty array of field names (${NAME_RULE}).`, {
      details: { collection: target.collection, path },
    });
  }
  if (typeof by !== 'number' || !Number.isSafeInteger(by)) {
    throw new TrellisError(ErrorCode.INVALID_ARGUMENT, `increment by ${String(by)}: the amount must be a safe integer (Number.isSafeInteger); nothing was written.`, {
      details: { collection: target.collection, id: target.id, by: typeof by === 'number' ? by : String(by) },
    });
  }
  const field = fieldAt(target.def.fields, segments as string[]);
  if (field?.type !== 'number') {
    throw violation(target.collection, `field "${segments.join('.')}" is not a number field of the schema, so it cannot be incremented`, { path: segments });
  }
  return segments as Path;
}

/**
 * The inc change, refused (INVALID_ARGUMENT) when the total here would leave
 * the safe integer range: past ±MAX_SAFE_INTEGER, sums are no longer exact.
 * Concurrent increments of other replicas may still carry the merged total
 * past it; the merge then adds in stamp order, so every replica shows the
 * same (rounded) number.
 */
export function incrementChange(target: IncrementTarget, path: Path, by: number) {
  return (current: CurrentDoc): Change[] => {
    if (current.doc === undefined) throw notFound(target.collection, target.id);
    const value = valueAt(current.doc, path);
    const total = (typeof value === 'number' ? value : 0) + by;
    if (Math.abs(total) > Number.MAX_SAFE_INTEGER) {
      throw new TrellisError(
        ErrorCode.INVALID_ARGUMENT,
        `increment of ${target.collection} "${target.id}" field "${path.join('.')}" by ${by} would make it ${total}, beyond Number.MAX_SAFE_INTEGER; nothing was written.`,
        { details: { collection: target.collection, id: target.id, path, by, value: typeof value === 'number' ? value : 0 } },
      );
    }
    return [{ kind: 'inc', path, by }];
  };
}

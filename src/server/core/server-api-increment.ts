/**
 * The server API's increment: the same `inc` change a replica records
 * (merge/fold-entries.ts), checked as the store checks it: a safe integer
 * amount, a number field (of the schema when the server has one, else of the
 * document as it is), and a total within ±Number.MAX_SAFE_INTEGER.
 */
import { ErrorCode, TrellisError } from '../../core/index.js';
import type { Change, DocState, Json, JsonObject } from '../../core/index.js';
import type { CollectionDef } from '../../schema/index.js';
import { fieldAt } from '../../schema/index.js';
import { assertName, invalid, notFound } from './server-api-errors.js';

export interface IncrementRequest {
  readonly collection: string;
  readonly id: string;
  readonly def: CollectionDef | undefined;
  readonly path: unknown;
  readonly by: unknown;
}

/** The build step of a server write; the arguments are checked at once, the total against the document. */
export function incrementChange(o: IncrementRequest): (current: { state: DocState; doc: JsonObject | undefined }) => Change[] {
  const segments = typeof o.path === 'string' ? [o.path] : o.path;
  if (!Array.isArray(segments) || segments.length === 0) throw invalid('increment takes a field name or a non-empty array of field names', { path: String(o.path) });
  const path = segments.map((segment) => assertName(segment, 'path segment'));
  const { by } = o;
  if (typeof by !== 'number' || !Number.isSafeInteger(by)) throw invalid(`increment by ${String(by)}: the amount must be a safe integer`, { by: String(by) });
  if (o.def !== undefined && fieldAt(o.def.fields, path)?.type !== 'number') {
    throw new TrellisError(ErrorCode.SCHEMA_VIOLATION, `Invalid ${o.collection} write: field "${path.join('.')}" is not a number field of the schema. Nothing was written.`, {
      details: { collection: o.collection, path },
    });
  }
  return ({ doc }) => {
    if (doc === undefined) throw notFound(o.collection, o.id);
    const value = valueAt(doc, path);
    if (value !== undefined && value !== null && typeof value !== 'number') throw invalid(`field "${path.join('.')}" of ${o.collection} ${o.id} is not a number`, { path });
    const total = (typeof value === 'number' ? value : 0) + by;
    if (Math.abs(total) > Number.MAX_SAFE_INTEGER) throw invalid(`increment by ${by} would make field "${path.join('.')}" ${total}, beyond Number.MAX_SAFE_INTEGER`, { path, by });
    return [{ kind: 'inc', path, by }];
  };
}

function valueAt(doc: JsonObject, path: readonly string[]): Json | undefined {
  let value: Json | undefined = doc;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, key)) return undefined;
    value = value[key];
  }
  return value;
}

import type { Json, JsonObject } from '../core/index.js';
import type { CollectionDef } from '../schema/index.js';
import { indexKeyName, type DocRow } from './database.js';

/**
 * IndexedDB keys cannot be booleans, null or undefined, so index values are
 * encoded: false/true → 0/1, null/absent → -Infinity (sorts first). Numbers
 * and strings are kept as they are, so ordering matches the values' order.
 */
export function encodeIndexValue(value: unknown): number | string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return -Infinity;
}

/** The stored row of a document: the document plus one encoded key per index. */
export function docRow(def: CollectionDef, id: string, doc: JsonObject): DocRow {
  const row: Record<string, Json> = { k: id, d: doc };
  for (const [name, fields] of Object.entries(def.indexes ?? {})) {
    row[indexKeyName(name)] = fields.map((field) => encodeIndexValue(doc[field]));
  }
  return row as unknown as DocRow;
}

/**
 * The bytes IndexedDB holds for a row: the value as Chromium serializes it
 * (V8's structured serialization, which Node exposes as v8.serialize), its
 * primary key, and for each index the index key plus the primary key again.
 * Keys are sized as IndexedDB encodes them: a type byte, then 8 bytes for a
 * number, 2 bytes per UTF-16 code unit for a string (plus a length), and the
 * elements of an array. Storage-engine overhead (LevelDB record prefixes,
 * block compression, deleted rows awaiting compaction) is left out: it is
 * not a property of Trellis and would apply to the JSON limit alike.
 */
import { serialize } from 'node:v8';

export function keyBytes(key: unknown): number {
  if (typeof key === 'number') return 9;
  if (typeof key === 'string') return 1 + varint(key.length) + 2 * key.length;
  if (Array.isArray(key)) return 1 + varint(key.length) + key.reduce((sum: number, k) => sum + keyBytes(k), 0);
  if (key instanceof Date) return 9;
  throw new Error(`Not an IndexedDB key: ${String(key)}`);
}

/** IndexedDB skips index entries whose key is not a valid key (booleans, null, objects). */
function isKey(key: unknown): boolean {
  if (typeof key === 'number') return !Number.isNaN(key);
  if (typeof key === 'string' || key instanceof Date) return true;
  return Array.isArray(key) && key.every(isKey);
}

function varint(n: number): number {
  return n < 128 ? 1 : n < 16384 ? 2 : 3;
}

function at(row: Record<string, unknown>, keyPath: string | string[]): unknown {
  if (Array.isArray(keyPath)) {
    const parts = keyPath.map((p) => row[p]);
    return parts.some((p) => p === undefined) ? undefined : parts;
  }
  return row[keyPath];
}

export interface TableShape {
  readonly primaryKey: string | string[] | null;
  readonly indexes: readonly (string | string[])[];
}

/** Bytes for one row of a table with inline keys (every Trellis table has them). */
export function rowBytes(table: TableShape, row: Record<string, unknown>): number {
  if (table.primaryKey === null) throw new Error('Out-of-line keys are not sized');
  const pk = keyBytes(at(row, table.primaryKey));
  let bytes = serialize(row).length + pk;
  for (const index of table.indexes) {
    const key = at(row, index);
    if (isKey(key)) bytes += keyBytes(key) + pk;
  }
  return bytes;
}

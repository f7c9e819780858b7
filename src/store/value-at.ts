import type { Json } from '../core/index.js';

/** The value at `path` inside `doc` (through plain objects only), or undefined. */
export function valueAt(doc: Json | undefined, path: readonly string[]): Json | undefined {
  let value: Json | undefined = doc;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.hasOwn(value, key)) return undefined;
    value = value[key];
  }
  return value;
}

import type { Json, JsonObject } from '../core/index.js';
import { MAX_JSON_DEPTH } from './limits.js';

/**
 * True for a plain JSON value nested at most `depth` containers deep: finite
 * numbers only, plain objects and arrays only, no `__proto__` key (JSON.parse
 * makes it an own field, but naive consumers would assign it as a prototype).
 * Bounded recursion, so a hostile value cannot exhaust the stack.
 */
export function isBoundedJson(value: unknown, depth: number = MAX_JSON_DEPTH): value is Json {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value !== 'object' || depth <= 0) return false;
  if (Array.isArray(value)) return value.every((item) => isBoundedJson(item, depth - 1));
  return isPlainObject(value) && Object.entries(value).every(([key, item]) => key !== '__proto__' && isBoundedJson(item, depth - 1));
}

/** A bounded JSON object (not an array, not null). */
export function isBoundedJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && isBoundedJson(value);
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

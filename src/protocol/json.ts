/**
 * What a JSON value on the wire may be, and why one is refused: plain objects
 * and arrays nested at most MAX_JSON_DEPTH deep, finite numbers, strings and
 * keys that are well-formed Unicode (SQLite would store a lone surrogate as
 * U+FFFD, so replicas would read back different values), no `__proto__` key
 * (JSON.parse makes it an own field, but naive consumers would assign it as a
 * prototype). NUL inside a string is data and allowed.
 *
 * Bounded recursion, so a hostile value cannot exhaust the stack; the first
 * problem found is the one reported.
 */
import type { Json, JsonObject } from '../core/index.js';
import { MAX_JSON_DEPTH } from './limits.js';
import { isWellFormed, unicodeProblem } from './names.js';

export interface JsonProblem {
  /** Keys and indexes from the value's top down to the offending part. */
  readonly path: readonly (string | number)[];
  /** What is wrong, naming the path: "number Infinity at a.b is not finite JSON". */
  readonly problem: string;
}

/** The first reason `value` is not a bounded JSON value, or undefined when it is one. */
export function jsonProblem(value: unknown, depth: number = MAX_JSON_DEPTH): JsonProblem | undefined {
  // Every op of every push passes here: check without allocating, and build the path only for a refusal.
  if (isJson(value, depth)) return undefined;
  return problemAt(value, [], depth) ?? { path: [], problem: 'value is not bounded JSON' };
}

/** The same rule as problemAt, as a yes/no with no allocation (the server's hot path). */
function isJson(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
      return isWellFormed(value);
    case 'number':
      return Number.isFinite(value);
    case 'boolean':
      return true;
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (depth <= 0) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!isJson(value[i], depth - 1)) return false;
    return true;
  }
  if (!isPlainObject(value)) return false;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (key === '__proto__' || !isWellFormed(key) || !isJson((value as Record<string, unknown>)[key], depth - 1)) return false;
  }
  return true;
}

/** Like jsonProblem, for a value that must also be an object (not an array, not null). */
export function jsonObjectProblem(value: unknown): JsonProblem | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { path: [], problem: `${kindOf(value)} at the top level, where a JSON object is expected` };
  }
  return jsonProblem(value);
}

/** True for a plain JSON value nested at most `depth` containers deep (see jsonProblem). */
export function isBoundedJson(value: unknown, depth: number = MAX_JSON_DEPTH): value is Json {
  return jsonProblem(value, depth) === undefined;
}

/** A bounded JSON object (not an array, not null). */
export function isBoundedJsonObject(value: unknown): value is JsonObject {
  return jsonObjectProblem(value) === undefined;
}

/** `a.b.0`, or "the top level". */
export function formatPath(path: readonly (string | number)[]): string {
  return path.length === 0 ? 'the top level' : path.join('.');
}

function problemAt(value: unknown, path: (string | number)[], depth: number): JsonProblem | undefined {
  const at = (problem: string): JsonProblem => ({ path: [...path], problem });
  if (value === null || typeof value === 'boolean') return undefined;
  if (typeof value === 'string') {
    const bad = unicodeProblem(value);
    return bad === undefined ? undefined : at(`string at ${formatPath(path)} ${bad}`);
  }
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : at(`number ${String(value)} at ${formatPath(path)} is not finite JSON`);
  if (typeof value !== 'object' || !(Array.isArray(value) || isPlainObject(value))) {
    return at(`value of kind ${kindOf(value)} at ${formatPath(path)} is not JSON (use null, booleans, finite numbers, strings, arrays and plain objects)`);
  }
  if (depth <= 0) return at(`value nested deeper than ${MAX_JSON_DEPTH} at ${formatPath(path)}`);
  if (Array.isArray(value)) return itemsProblem(value, path, depth);
  return entriesProblem(value as Record<string, unknown>, path, depth);
}

function itemsProblem(items: readonly unknown[], path: (string | number)[], depth: number): JsonProblem | undefined {
  for (let i = 0; i < items.length; i++) {
    // A sparse array's hole is undefined, which JSON cannot hold.
    const problem = problemAt(items[i], [...path, i], depth - 1);
    if (problem) return problem;
  }
  return undefined;
}

function entriesProblem(object: Record<string, unknown>, path: (string | number)[], depth: number): JsonProblem | undefined {
  for (const key of Object.keys(object)) {
    if (key === '__proto__') return { path: [...path], problem: `key \`__proto__\` is not allowed at ${formatPath(path)}` };
    const bad = unicodeProblem(key);
    if (bad !== undefined) return { path: [...path], problem: `key at ${formatPath(path)} ${bad}` };
    const problem = problemAt(object[key], [...path, key], depth - 1);
    if (problem) return problem;
  }
  return undefined;
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A value's kind for messages: null, array, Date, Map, undefined, function, bigint, ... */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value !== 'object') return typeof value;
  const name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  return typeof name === 'string' && name !== '' ? name : 'object';
}

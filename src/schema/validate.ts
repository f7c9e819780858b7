import { ErrorCode, TrellisError, isFileId } from '../core/index.js';
import type { JsonObject } from '../core/index.js';
import type { FieldDef, FieldsDef } from './types.js';

export interface Violation {
  readonly path: readonly string[];
  readonly message: string;
}

const MAX_DEPTH = 32;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The first problem with `value` against `def`, or undefined when it fits. */
export function validateValue(def: FieldDef, value: unknown, path: readonly string[]): Violation | undefined {
  if (value === null) return def.nullable ? undefined : { path, message: `${label(path)} must not be null` };
  switch (def.type) {
    case 'string':
      return typeof value === 'string' ? undefined : expected(path, 'a string', value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : expected(path, 'a finite number', value);
    case 'boolean':
      return typeof value === 'boolean' ? undefined : expected(path, 'a boolean', value);
    case 'json':
      return validateJson(value, path, 0);
    case 'object':
      return isPlainObject(value) ? validateFields(def.fields, value, path) : expected(path, 'an object', value);
    case 'list': {
      if (!Array.isArray(value)) return expected(path, 'an array', value);
      for (let i = 0; i < value.length; i++) {
        const problem = validateValue(def.items, value[i], [...path, String(i)]);
        if (problem) return problem;
      }
      return undefined;
    }
    case 'file':
      return isFileRef(value) ? undefined : expected(path, 'a file (a Blob, or a handle a query returned)', value);
    case 'map': {
      if (!isPlainObject(value)) return expected(path, 'an object (map)', value);
      for (const [key, item] of Object.entries(value)) {
        const problem = validateValue(def.values, item, [...path, key]);
        if (problem) return problem;
      }
      return undefined;
    }
  }
}

/** A stored file reference: exactly `{ id, name, type, size }` with a valid id and a size in bytes. */
export function isFileRef(value: unknown): boolean {
  if (!isPlainObject(value) || Object.keys(value).length !== 4) return false;
  const { id, name, type, size } = value;
  return isFileId(id) && typeof name === 'string' && typeof type === 'string' && Number.isSafeInteger(size) && (size as number) >= 0;
}

/** Checks the fields of an object: required present, no unknown keys, each value typed. */
export function validateFields(fields: FieldsDef, value: Record<string, unknown>, path: readonly string[]): Violation | undefined {
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(fields, key)) return { path: [...path, key], message: `${label([...path, key])} is not in the schema` };
  }
  for (const [key, def] of Object.entries(fields)) {
    const item = value[key];
    if (item === undefined) {
      if (def.optional) continue;
      return { path: [...path, key], message: `${label([...path, key])} is required` };
    }
    const problem = validateValue(def, item, [...path, key]);
    if (problem) return problem;
  }
  return undefined;
}

function validateJson(value: unknown, path: readonly string[], depth: number): Violation | undefined {
  if (depth > MAX_DEPTH) return { path, message: `${label(path)} nests deeper than ${MAX_DEPTH} levels` };
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : expected(path, 'a finite number', value);
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = validateJson(item, path, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  if (isPlainObject(value)) {
    for (const item of Object.values(value)) {
      const problem = validateJson(item, path, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  return expected(path, 'JSON', value);
}

/** Throws SCHEMA_VIOLATION unless `doc` is a valid document of `fields`. */
export function assertDocument(fields: FieldsDef, doc: unknown, context: { collection: string }): asserts doc is JsonObject {
  const problem = isPlainObject(doc)
    ? validateFields(fields, doc, [])
    : { path: [], message: 'a document must be a plain object' };
  if (problem) {
    throw new TrellisError(
      ErrorCode.SCHEMA_VIOLATION,
      `Invalid ${context.collection} document: ${problem.message}. Fix the value; nothing was written.`,
      { details: { collection: context.collection, path: problem.path } },
    );
  }
}

/** Fills absent fields that have a default, recursively into nested objects. Returns a new object. */
export function applyDefaults(fields: FieldsDef, doc: JsonObject): JsonObject {
  let out: JsonObject | undefined;
  for (const [key, def] of Object.entries(fields)) {
    const value = doc[key];
    let next = value;
    if (value === undefined && def.default !== undefined) next = structuredClone(def.default) as JsonObject[string];
    else if (def.type === 'object' && isPlainObject(value)) next = applyDefaults(def.fields, value as JsonObject);
    if (next !== value) {
      out ??= { ...doc };
      out[key] = next as JsonObject[string];
    }
  }
  return out ?? doc;
}

function label(path: readonly string[]): string {
  return path.length === 0 ? 'the document' : `field "${path.join('.')}"`;
}

function expected(path: readonly string[], what: string, value: unknown): Violation {
  return { path, message: `${label(path)} must be ${what}, got ${kindOf(value)}` };
}

/** What a value is, for messages: `a Date`, `a Map`, `an array`, `the number Infinity`, `undefined`, `string`. */
function kindOf(value: unknown): string {
  if (value === undefined || value === null) return String(value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number' && !Number.isFinite(value)) return `the number ${String(value)}`;
  if (typeof value !== 'object') return typeof value;
  const name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  return typeof name === 'string' && name !== '' && name !== 'Object' ? `a ${name}` : 'object';
}

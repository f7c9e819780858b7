import { ErrorCode, TrellisError } from '../core/index.js';
import type { CollectionDef, FieldDef, FieldsDef, Schema, SchemaDef } from './types.js';
import { validateValue } from './validate.js';

const NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const FIELD_TYPES = new Set(['string', 'number', 'boolean', 'json', 'object', 'list', 'map', 'file']);
const INDEXABLE = new Set(['string', 'number', 'boolean']);
const RESERVED_FIELDS = new Set(['__proto__', 'constructor', 'prototype']);

function invalid(message: string, details: Record<string, unknown>): TrellisError {
  return new TrellisError(ErrorCode.SCHEMA_INVALID, message, { details });
}

/**
 * Declare the collections of a store. Checks the definition once, here, so
 * every later error is about data, not about the schema.
 *
 * @example
 * const schema = defineSchema({ version: 1, collections: { todos: {
 *   primaryKey: 'id', fields: { id: { type: 'string' }, title: { type: 'string' } } } } });
 */
export function defineSchema<const S extends SchemaDef>(definition: S): Schema<S> {
  if (!Number.isSafeInteger(definition?.version) || definition.version < 1) {
    throw invalid('Schema `version` must be a positive integer; raise it whenever the schema changes.', {
      version: definition?.version,
    });
  }
  const since = definition.breakingSince;
  if (since !== undefined && (!Number.isSafeInteger(since) || since < 1 || since > definition.version)) {
    throw invalid(`Schema \`breakingSince\` must be an integer between 1 and the schema's version (${definition.version}).`, { breakingSince: since });
  }
  const names = Object.keys(definition.collections ?? {});
  if (names.length === 0) throw invalid('A schema needs at least one collection in `collections`.', {});
  for (const name of names) checkCollection(name, definition.collections[name] as CollectionDef);
  for (const [version, steps] of Object.entries(definition.migrations ?? {})) {
    const v = Number(version);
    if (!Number.isSafeInteger(v) || v < 2 || v > definition.version) {
      throw invalid(`Migration key ${version} must be a version between 2 and ${definition.version}.`, { version });
    }
    for (const [collection, step] of Object.entries(steps)) {
      if (!names.includes(collection) || typeof step !== 'function') {
        throw invalid(`Migration ${version}.${collection} must be a function of a collection in the schema.`, {
          version,
          collection,
        });
      }
    }
  }
  return { version: definition.version, definition, collectionNames: names };
}

function checkCollection(name: string, def: CollectionDef): void {
  if (!NAME.test(name)) {
    throw invalid(`Collection name "${name}" must start with a letter and use only letters, digits and _.`, { collection: name });
  }
  if (typeof def !== 'object' || def === null) throw invalid(`Collection "${name}" must be an object.`, { collection: name });
  checkFields(def.fields, [name]);
  const pk = def.fields[def.primaryKey];
  if (!pk || pk.type !== 'string' || pk.optional || pk.nullable) {
    throw invalid(`Collection "${name}": primaryKey "${def.primaryKey}" must name a required, non-nullable string field.`, {
      collection: name,
      primaryKey: def.primaryKey,
    });
  }
  for (const [index, fields] of Object.entries(def.indexes ?? {})) {
    if (!NAME.test(index) || !Array.isArray(fields) || fields.length === 0) {
      throw invalid(`Collection "${name}": index "${index}" needs a valid name and at least one field.`, { collection: name, index });
    }
    for (const field of fields) {
      const f = def.fields[field];
      if (!f || !INDEXABLE.has(f.type)) {
        throw invalid(`Collection "${name}": index "${index}" uses "${field}", which is not a top-level string, number or boolean field.`, {
          collection: name,
          index,
          field,
        });
      }
    }
  }
}

function checkFields(fields: FieldsDef, path: string[]): void {
  if (typeof fields !== 'object' || fields === null) throw invalid(`${path.join('.')}: \`fields\` must be an object.`, { path });
  for (const [key, def] of Object.entries(fields)) checkField(def, [...path, key]);
}

function checkField(def: FieldDef, path: string[]): void {
  const name = path[path.length - 1] as string;
  if (RESERVED_FIELDS.has(name) || name.length === 0) throw invalid(`Field name "${name}" is reserved.`, { path });
  if (typeof def !== 'object' || def === null || !FIELD_TYPES.has(def.type)) {
    throw invalid(`Field ${path.join('.')} needs a \`type\` among ${[...FIELD_TYPES].join(', ')}.`, { path });
  }
  if (def.type === 'object') checkFields(def.fields, path);
  if (def.type === 'list') checkField(def.items, [...path, 'items']);
  if (def.type === 'map') checkField(def.values, [...path, 'values']);
  if (def.default !== undefined) {
    const problem = validateValue(def, def.default, path);
    if (problem) throw invalid(`Default of ${path.join('.')} does not match its type: ${problem.message}`, { path });
  }
}

import { unexpectedCase } from '../core/index.js';
import type { Json, JsonObject } from '../core/index.js';
import type { FieldDef, FieldsDef } from './types.js';

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The document without the fields `fields` does not name, at any depth of
 * object fields (also inside lists and maps). A newer schema may add fields:
 * a replica that does not know them leaves them out of what it shows, while
 * its merge state keeps them (they show once its schema knows them). Returns
 * `doc` itself when nothing is left out; values of the wrong shape are kept
 * as they are, for validation to report.
 */
export function stripUnknown(fields: FieldsDef, doc: JsonObject): JsonObject {
  let out: JsonObject | undefined;
  for (const key of Object.keys(doc)) {
    const def = Object.hasOwn(fields, key) ? fields[key] : undefined;
    const value = doc[key] as Json;
    const next = def === undefined ? undefined : stripValue(def, value);
    if (next === value) continue;
    out ??= { ...doc };
    if (next === undefined) delete out[key];
    else out[key] = next;
  }
  return out ?? doc;
}

function stripValue(def: FieldDef, value: Json): Json {
  switch (def.type) {
    case 'object':
      return isObject(value) ? stripUnknown(def.fields, value) : value;
    case 'list': {
      if (!Array.isArray(value)) return value;
      let out: Json[] | undefined;
      value.forEach((item, i) => {
        const next = stripValue(def.items, item);
        if (next === item) return;
        out ??= [...value];
        out[i] = next;
      });
      return out ?? value;
    }
    case 'map': {
      if (!isObject(value)) return value;
      let out: JsonObject | undefined;
      for (const [key, item] of Object.entries(value)) {
        const next = stripValue(def.values, item);
        if (next === item) continue;
        out ??= { ...value };
        out[key] = next;
      }
      return out ?? value;
    }
    case 'string':
    case 'number':
    case 'boolean':
    case 'json':
    case 'file':
      return value;
    default:
      return unexpectedCase(def);
  }
}

import type { FieldDef, FieldsDef } from './types.js';

/**
 * The field definition a path reaches from a collection's fields: through
 * object fields by name and map fields by any key. Undefined when a step is
 * not in the schema or passes through a field that has no named children
 * (a list, json, file or scalar).
 */
export function fieldAt(fields: FieldsDef, path: readonly string[]): FieldDef | undefined {
  let current: FieldsDef | undefined = fields;
  let def: FieldDef | undefined;
  for (let i = 0; i < path.length; i++) {
    const key = path[i] as string;
    if (def !== undefined) {
      if (def.type === 'object') current = def.fields;
      else if (def.type === 'map') {
        def = def.values;
        continue;
      } else return undefined;
    }
    if (current === undefined || !Object.hasOwn(current, key)) return undefined;
    def = current[key];
  }
  return def;
}

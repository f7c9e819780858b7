/**
 * Turning the collection API's arguments into changes. Each builder runs inside
 * the write transaction against the document's current state, so list indexes
 * resolve to item identities at the moment of the write.
 */
import type { Change, Json, JsonObject } from '../core/index.js';
import { ErrorCode, TrellisError } from '../core/index.js';
import { listItemsAt, positionBetween } from '../merge/index.js';
import { NAME_RULE, nameProblem, quoteName } from '../protocol/index.js';
import type { CollectionDef, FieldsDef } from '../schema/index.js';
import type { CurrentDoc } from './write.js';

export function isPlainObject(value: unknown): value is JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export function violation(collection: string, message: string, details: Record<string, unknown> = {}): TrellisError {
  return new TrellisError(ErrorCode.SCHEMA_VIOLATION, `Invalid ${collection} write: ${message}. Nothing was written.`, {
    details: { collection, ...details },
  });
}

export function notFound(collection: string, id: string): TrellisError {
  return new TrellisError(ErrorCode.NOT_FOUND, `No ${collection} document with id "${id}". Create it with put() first.`, {
    details: { collection, id },
  });
}

/** The id of a document given to `put`, checked before anything else. */
export function idOf(collection: string, def: CollectionDef, doc: unknown): string {
  if (!isPlainObject(doc)) throw violation(collection, 'a document must be a plain object');
  const id = doc[def.primaryKey];
  if (typeof id !== 'string' || id.length === 0) {
    throw violation(collection, `primary key "${def.primaryKey}" must be a non-empty string`, { path: [def.primaryKey] });
  }
  const problem = nameProblem(id);
  if (problem !== undefined) {
    throw violation(collection, `primary key "${def.primaryKey}" ${quoteName(id)} ${problem}; use ${NAME_RULE}`, { path: [def.primaryKey], problem });
  }
  return id;
}

/**
 * Throws INVALID_ARGUMENT unless `id` (an argument of update, delete, a list
 * write or get) is a name the wire carries unchanged (protocol/names.ts):
 * such a document cannot exist, and a NUL or lone surrogate must never reach
 * a row key.
 */
export function assertIdArgument(collection: string, id: unknown): asserts id is string {
  const problem = nameProblem(id);
  if (problem === undefined) return;
  const shown = typeof id === 'string' ? quoteName(id) : String(id);
  throw new TrellisError(ErrorCode.INVALID_ARGUMENT, `${collection} id ${shown} ${problem}. Use ${NAME_RULE}.`, { details: { collection, problem } });
}

/** Nested partial update → one set/unset per leaf path; objects and maps merge, everything else replaces. */
export function patchChanges(collection: string, fields: FieldsDef, patch: JsonObject, path: string[] = []): Change[] {
  const changes: Change[] = [];
  for (const [key, value] of Object.entries(patch) as [string, Json | undefined][]) {
    const def = fields[key];
    const at = [...path, key];
    if (!def || !Object.hasOwn(fields, key)) throw violation(collection, `field "${at.join('.')}" is not in the schema`, { path: at });
    if (value === undefined) changes.push({ kind: 'unset', path: at });
    else if (def.type === 'object' && isPlainObject(value)) changes.push(...patchChanges(collection, def.fields, value, at));
    else if (def.type === 'map' && isPlainObject(value)) {
      for (const [k, v] of Object.entries(value) as [string, Json | undefined][]) {
        changes.push(v === undefined ? { kind: 'unset', path: [...at, k] } : { kind: 'set', path: [...at, k], value: v });
      }
    } else changes.push({ kind: 'set', path: at, value });
  }
  return changes;
}

export interface ListTarget {
  readonly collection: string;
  readonly def: CollectionDef;
  readonly id: string;
  readonly field: string;
}

function listItems(target: ListTarget, current: CurrentDoc) {
  if (current.doc === undefined) throw notFound(target.collection, target.id);
  const def = target.def.fields[target.field];
  if (!def || def.type !== 'list') {
    throw violation(target.collection, `field "${target.field}" is not a list field`, { path: [target.field] });
  }
  return listItemsAt(current.state, [target.field]) ?? [];
}

function checkIndex(target: ListTarget, index: number, max: number, name: string): void {
  if (!Number.isInteger(index) || index < 0 || index > max) {
    throw new TrellisError(
      ErrorCode.INVALID_ARGUMENT,
      `${name} ${index} is out of range for list "${target.field}" of ${target.collection} "${target.id}" (0..${max}).`,
      { details: { collection: target.collection, id: target.id, field: target.field, index } },
    );
  }
}

/** A position between neighbours; with equal neighbours (concurrent inserts) it goes after the tie. */
function positionAt(items: readonly { pos: string }[], index: number): string {
  const before = items[index - 1]?.pos;
  const after = items.slice(index).find((i) => before === undefined || i.pos > before)?.pos;
  return positionBetween(before, after);
}

export function listInsertChange(target: ListTarget, index: number | 'end', value: Json, item: string) {
  return (current: CurrentDoc): Change[] => {
    const items = listItems(target, current);
    const at = index === 'end' ? items.length : index;
    checkIndex(target, at, items.length, 'Index');
    return [{ kind: 'list-insert', path: [target.field], item, pos: positionAt(items, at), value }];
  };
}

export function listRemoveChange(target: ListTarget, index: number) {
  return (current: CurrentDoc): Change[] => {
    const items = listItems(target, current);
    checkIndex(target, index, items.length - 1, 'Index');
    return [{ kind: 'list-remove', path: [target.field], item: (items[index] as { item: string }).item }];
  };
}

export function listMoveChange(target: ListTarget, from: number, to: number) {
  return (current: CurrentDoc): Change[] => {
    const items = listItems(target, current);
    checkIndex(target, from, items.length - 1, 'From index');
    checkIndex(target, to, items.length - 1, 'To index');
    if (from === to) return [];
    const moving = items[from] as { item: string };
    const rest = items.filter((_, i) => i !== from);
    return [{ kind: 'list-move', path: [target.field], item: moving.item, pos: positionAt(rest, to) }];
  };
}

/**
 * Shapes of the packed wire form (packed.ts): what a change looks like
 * without its data. A shape holds the change's kind, its path and the keys of
 * its object value; the row that uses it holds only the leaves (the values at
 * those keys, a list item's id and position, an increment), in shape order.
 * Rows of documents written alike share one shape, listed once per frame.
 *
 * A value shape is 0 for a value carried whole as one leaf (any JSON: a
 * string, a number, an array), or `[key, shape, key, shape, …]` for an object
 * whose members follow as leaves. Object members keep their order, so the
 * decoded value serializes to the same JSON text as the encoded one.
 */
import { unexpectedCase } from '../core/index.js';
import type { Change, Json, JsonObject, Path } from '../core/index.js';
import { MAX_JSON_DEPTH } from './limits.js';

export type ValueShape = 0 | readonly (string | ValueShape)[];

export type ChangeShape =
  | readonly ['put', ValueShape]
  | readonly ['set', Path, ValueShape]
  | readonly ['unset', Path]
  | readonly ['delete']
  | readonly ['list-insert', Path, ValueShape]
  | readonly ['list-remove', Path]
  | readonly ['list-move', Path]
  | readonly ['inc', Path];

/** A malformed packed frame: the codec answers PROTOCOL_INVALID_MESSAGE with this message. */
export class PackProblem extends Error {}

/** Reads a row's leaves in order; running out, or leaves left over, is a PackProblem. */
export interface LeafReader {
  next(): unknown;
}

export function leafReader(row: readonly unknown[], from: number): LeafReader & { readonly done: () => boolean } {
  let at = from;
  return {
    next: () => {
      if (at >= row.length) throw new PackProblem('a row has fewer leaves than its shape needs');
      return row[at++];
    },
    done: () => at === row.length,
  };
}

/** The shape of `value`, its leaves appended to `leaves`. Objects are spelled out; anything else is one leaf. */
function shapeValue(value: Json, leaves: unknown[]): ValueShape {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    leaves.push(value);
    return 0;
  }
  const shape: (string | ValueShape)[] = [];
  for (const key of Object.keys(value)) shape.push(key, shapeValue((value as JsonObject)[key] as Json, leaves));
  return shape;
}

/** The shape of a change, its leaves appended to `leaves`. */
export function shapeChange(change: Change, leaves: unknown[]): ChangeShape {
  switch (change.kind) {
    case 'put':
      return ['put', shapeValue(change.value, leaves)];
    case 'set':
      return ['set', change.path, shapeValue(change.value, leaves)];
    case 'unset':
      return ['unset', change.path];
    case 'delete':
      return ['delete'];
    case 'list-insert':
      leaves.push(change.item, change.pos);
      return ['list-insert', change.path, shapeValue(change.value, leaves)];
    case 'list-remove':
      leaves.push(change.item);
      return ['list-remove', change.path];
    case 'list-move':
      leaves.push(change.item, change.pos);
      return ['list-move', change.path];
    case 'inc':
      leaves.push(change.by);
      return ['inc', change.path];
    default:
      return unexpectedCase(change);
  }
}

/**
 * The value a shape describes, from the reader's leaves. Bounded: a shape
 * nested deeper than any valid value is refused before it can exhaust the stack.
 */
function readValue(shape: unknown, leaves: LeafReader, depth: number): unknown {
  if (shape === 0) return leaves.next();
  if (!Array.isArray(shape) || shape.length % 2 !== 0) throw new PackProblem('a value shape is neither 0 nor [key, shape, …]');
  if (depth >= MAX_JSON_DEPTH) throw new PackProblem(`a value shape is nested deeper than ${MAX_JSON_DEPTH}`);
  const value: Record<string, unknown> = {};
  for (let i = 0; i < shape.length; i += 2) {
    const key: unknown = shape[i];
    // `value.__proto__ = …` would set the prototype, not a member; valid values never hold that key.
    if (typeof key !== 'string' || key === '__proto__') throw new PackProblem('a value shape has a key that is not a string, or __proto__');
    value[key] = readValue(shape[i + 1], leaves, depth + 1);
  }
  return value;
}

/** A path as the shape holds it, copied: rows sharing a shape must not share its arrays. */
function readPath(path: unknown): Path {
  if (!Array.isArray(path)) throw new PackProblem('a change shape has a path that is not an array');
  return [...(path as string[])];
}

/**
 * The change a shape and its leaves describe. Only the packed structure is
 * checked here; the decoded message then passes the same schema as a plain one
 * (names, paths, JSON, increments).
 */
export function readChange(shape: unknown, leaves: LeafReader): Change {
  if (!Array.isArray(shape)) throw new PackProblem('a change shape is not an array');
  const kind: unknown = shape[0];
  // Any string may arrive as a kind: only the table's own numbers count (not Object.prototype's members).
  const expected: unknown = typeof kind === 'string' && Object.hasOwn(SHAPE_LENGTH, kind) ? SHAPE_LENGTH[kind as ChangeShape[0]] : undefined;
  if (typeof expected !== 'number' || shape.length !== expected) throw new PackProblem(`a change shape of kind ${JSON.stringify(kind)} is malformed`);
  const s = shape as unknown as ChangeShape;
  switch (s[0]) {
    case 'put':
      return { kind: 'put', value: readValue(s[1], leaves, 0) as JsonObject };
    case 'set':
      return { kind: 'set', path: readPath(s[1]), value: readValue(s[2], leaves, 0) as Json };
    case 'unset':
      return { kind: 'unset', path: readPath(s[1]) };
    case 'delete':
      return { kind: 'delete' };
    case 'list-insert': {
      const [item, pos] = [leaves.next() as string, leaves.next() as string];
      return { kind: 'list-insert', path: readPath(s[1]), item, pos, value: readValue(s[2], leaves, 0) as Json };
    }
    case 'list-remove':
      return { kind: 'list-remove', path: readPath(s[1]), item: leaves.next() as string };
    case 'list-move': {
      const [item, pos] = [leaves.next() as string, leaves.next() as string];
      return { kind: 'list-move', path: readPath(s[1]), item, pos };
    }
    case 'inc':
      return { kind: 'inc', path: readPath(s[1]), by: leaves.next() as number };
    default:
      return unexpectedCase(s);
  }
}

const SHAPE_LENGTH: Readonly<Record<ChangeShape[0], number>> = {
  put: 2,
  set: 3,
  unset: 2,
  delete: 1,
  'list-insert': 3,
  'list-remove': 2,
  'list-move': 2,
  inc: 2,
};

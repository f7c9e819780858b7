import type { Change, DocState, Json, JsonObject, Path } from '../core/index.js';
import { unexpectedCase } from '../core/index.js';
import { listItemsAt } from '../merge/index.js';
import { valueAt } from './value-at.js';


function absentFrom(doc: JsonObject | undefined, path: Path): number {
  for (let i = 0; i < path.length; i++) if (valueAt(doc, path.slice(0, i + 1)) === undefined) return i;
  return path.length - 1;
}

/**
 * The change that undoes `change`, given the document before it. Undo records
 * new ops (it never rewrites history), so it syncs like any other write.
 */
export function inverseOf(change: Change, before: JsonObject | undefined, state: DocState): Change[] {
  switch (change.kind) {
    case 'put':
    case 'delete':
      if (before === undefined) return change.kind === 'put' ? [{ kind: 'delete' }] : [];
      return restoreDocument(before, state);
    case 'set':
    case 'unset': {
      const previous = valueAt(before, change.path);
      // Unset the outermost part of the path that did not exist, so no empty objects are left behind.
      if (previous === undefined) return [{ kind: 'unset', path: change.path.slice(0, absentFrom(before, change.path) + 1) }];
      return Array.isArray(previous) ? restoreList(change.path, state) : [{ kind: 'set', path: change.path, value: previous }];
    }
    case 'list-insert':
      return [{ kind: 'list-remove', path: change.path, item: change.item }];
    case 'list-remove': {
      const item = listItemsAt(state, change.path)?.find((i) => i.item === change.item);
      return item ? [{ kind: 'list-insert', path: change.path, item: item.item, pos: item.pos, value: item.value }] : [];
    }
    case 'list-move': {
      const item = listItemsAt(state, change.path)?.find((i) => i.item === change.item);
      return item ? [{ kind: 'list-move', path: change.path, item: item.item, pos: item.pos }] : [];
    }
    case 'inc':
      // The opposite increment, not a set of the old value: other replicas' increments meanwhile still count.
      return [{ kind: 'inc', path: change.path, by: -change.by }];
    default:
      return unexpectedCase(change);
  }
}

/**
 * Restores a whole document so that list items keep their identities (later
 * undo steps address them by id): a put with empty lists, then each item
 * re-inserted with its id and position.
 */
function restoreDocument(before: JsonObject, state: DocState): Change[] {
  const inserts: Change[] = [];
  const strip = (value: JsonObject, path: string[]): JsonObject => {
    const out: JsonObject = {};
    for (const [key, item] of Object.entries(value)) {
      const at = [...path, key];
      if (Array.isArray(item)) {
        out[key] = [];
        inserts.push(...restoreItems(at, state));
      } else out[key] = typeof item === 'object' && item !== null ? strip(item, at) : item;
    }
    return out;
  };
  return [{ kind: 'put', value: strip(before, []) }, ...inserts];
}

function restoreList(path: Path, state: DocState): Change[] {
  return [{ kind: 'set', path, value: [] }, ...restoreItems(path, state)];
}

function restoreItems(path: Path, state: DocState): Change[] {
  return (listItemsAt(state, path) ?? []).map((i) => ({ kind: 'list-insert', path, item: i.item, pos: i.pos, value: i.value }));
}

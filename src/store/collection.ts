import type { Observable } from 'rxjs';
import type { Json, JsonObject } from '../core/index.js';
import type { CollectionName, DocOf, InputOf, ListFieldName, ListItemOf, NumberFieldName, PatchOf, SchemaDef } from '../schema/index.js';
import { applyDefaults } from '../schema/index.js';
import { assertOpen, collectionDef, type StoreContext } from './context.js';
import {
  assertIdArgument,
  idOf,
  listInsertChange,
  listMoveChange,
  listRemoveChange,
  notFound,
  patchChanges,
  violation,
  isPlainObject,
  type ListTarget,
} from './collection-changes.js';
import { docTableName, type DocRow } from './database.js';
import { normalizeQuery } from './query-plan.js';
import { live, runQuery } from './query.js';
import { writeChanges } from './write.js';
import type { Table } from 'dexie';
import type { FileRow } from './file-types.js';
import { liveWithAnnouncements, nextDoc, nextResult } from './optimistic.js';
import { previewUpdate } from './preview-update.js';
import { incrementChange, incrementPath } from './increment-change.js';

/** A condition on one field: a value (equality) or a range. */
export type Condition<V> = V | { gt?: V; gte?: V; lt?: V; lte?: V; startsWith?: V extends string ? string : never };

export interface FindQuery<Doc> {
  /** Conditions on top-level fields. Served by an index when one fits (equality on a prefix, then one range); otherwise a scan. */
  where?: { [K in keyof Doc]?: Condition<NonNullable<Doc[K]>> | (null extends Doc[K] ? null : never) };
  /** A field, or `[field, 'asc' | 'desc']`. */
  orderBy?: (keyof Doc & string) | readonly [keyof Doc & string, 'asc' | 'desc'];
  limit?: number;
  offset?: number;
}

/**
 * A collection's API. Every id (a document's primary key, an `id` argument)
 * must be a name as PROTOCOL.md section 5 defines it: non-empty, at most 256
 * UTF-16 code units, well-formed Unicode, no NUL. `put` refuses another with
 * SCHEMA_VIOLATION, the methods taking an `id` with INVALID_ARGUMENT (`get`
 * throws it at once); nothing is written.
 */
export interface Collection<S extends SchemaDef, C extends CollectionName<S>> {
  readonly name: C;
  /** Creates or replaces a whole document (defaults filled in). */
  put(doc: InputOf<S, C>): Promise<void>;
  /** Many puts in one transaction. */
  bulkPut(docs: readonly InputOf<S, C>[]): Promise<void>;
  /** Partial, nested update of an existing document; `undefined` removes an optional field. */
  update(id: string, patch: PatchOf<S, C>): Promise<void>;
  /**
   * Adds `by` (a safe integer; negative counts down) to a number field: a
   * top-level field name, or an array of names for a nested one. Increments
   * merge by adding, so concurrent increments on other replicas all count; a
   * later `update` or `put` of the field sets a new base. The document must
   * exist (NOT_FOUND); a total beyond Number.MAX_SAFE_INTEGER is refused.
   */
  increment(id: string, path: NumberFieldName<S, C> | readonly [string, ...string[]], by: number): Promise<void>;
  /** Deletes the document (a tombstone op); deleting a missing document does nothing. */
  delete(id: string): Promise<void>;
  listPush<F extends ListFieldName<S, C>>(id: string, field: F, value: ListItemOf<S, C, F>): Promise<void>;
  listInsert<F extends ListFieldName<S, C>>(id: string, field: F, index: number, value: ListItemOf<S, C, F>): Promise<void>;
  /** Removes the item now at `index` (recorded by item identity, so concurrent edits keep their meaning). */
  listRemove<F extends ListFieldName<S, C>>(id: string, field: F, index: number): Promise<void>;
  listMove<F extends ListFieldName<S, C>>(id: string, field: F, from: number, to: number): Promise<void>;
  /** The document, live. */
  get(id: string): Observable<DocOf<S, C> | undefined>;
  /** Matching documents, live. */
  find(query?: FindQuery<DocOf<S, C>>): Observable<DocOf<S, C>[]>;
}

export function createCollection<S extends SchemaDef, C extends CollectionName<S>>(ctx: StoreContext, name: C): Collection<S, C> {
  const def = collectionDef(ctx, name);
  const table = () => ctx.db.table(docTableName(name)) as Table<DocRow, string>;
  // files: only with the files() plugin (createStore refuses a schema with file fields without it).
  const fileSupport = ctx.files;
  const files = fileSupport?.holds(def) ?? false;
  const write = async (id: string, build: Parameters<typeof writeChanges>[1][number]['build'], files?: FileRow[]) => {
    assertIdArgument(name, id);
    await writeChanges(ctx, [{ collection: name, id, build, files }]); // files: `files` rides along with the write
  };
  // files: a list item may hold files too
  const item = (field: string, value: unknown) => {
    const f = def.fields[field];
    return f?.type === 'list' && fileSupport ? fileSupport.extract(f.items, value) : { value, files: [] };
  };
  const extract = (value: unknown) => (files && fileSupport ? fileSupport.extract(def.fields, value) : { value, files: [] as FileRow[] });
  const putRequest = (input: unknown) => {
    const id = idOf(name, def, input);
    const { value: refs, files } = extract(input); // files: Blobs become refs, kept in `files`
    const value = applyDefaults(def.fields, structuredClone(refs) as JsonObject);
    return { collection: name, id, build: () => [{ kind: 'put' as const, value }], files };
  };
  const target = (id: string, field: string): ListTarget => ({ collection: name, def, id, field });
  const clone = <T>(value: T): Json => structuredClone(value) as Json;
  const listInsert = async (id: string, field: string, index: number | 'end', value: unknown) => {
    assertIdArgument(name, id);
    const { value: refs, files } = item(field, value); // files:
    await write(id, listInsertChange(target(id, field), index, clone(refs), ctx.createId()), files);
  };

  return {
    name,
    put: async (doc) => {
      await writeChanges(ctx, [putRequest(doc)]);
    },
    bulkPut: async (docs) => {
      if (!Array.isArray(docs)) throw violation(name, 'bulkPut takes an array of documents');
      await writeChanges(ctx, docs.map(putRequest));
    },
    update: async (id, patch) => {
      assertIdArgument(name, id);
      if (!isPlainObject(patch)) throw violation(name, 'a patch must be a plain object');
      const { value: refs, files } = extract(patch); // files:
      const changes = patchChanges(name, def.fields, structuredClone(refs) as JsonObject);
      if (Object.hasOwn(patch, def.primaryKey) && (patch as JsonObject)[def.primaryKey] !== id) {
        throw violation(name, `the primary key "${def.primaryKey}" cannot change`);
      }
      // A checkbox bound to a live query shows the write now, not a tick later (preview-update.ts).
      const previewed = files.length === 0 && previewUpdate({ ctx, collection: name, def, id, changes });
      try {
        await write(
          id,
          ({ doc }) => {
            if (doc === undefined) throw notFound(name, id);
            return changes;
          },
          files,
        );
      } catch (err) {
        if (previewed) ctx.announcer.withdraw(new Set([name]));
        throw err;
      }
    },
    increment: async (id, path, by) => {
      assertIdArgument(name, id);
      const at = incrementPath({ collection: name, def, id }, path, by);
      const changes = [{ kind: 'inc' as const, path: at, by }];
      const previewed = previewUpdate({ ctx, collection: name, def, id, changes });
      try {
        await write(id, incrementChange({ collection: name, def, id }, at, by));
      } catch (err) {
        if (previewed) ctx.announcer.withdraw(new Set([name]));
        throw err;
      }
    },
    delete: async (id) => write(id, ({ doc }) => (doc === undefined ? [] : [{ kind: 'delete' }])),
    listPush: async (id, field, value) => listInsert(id, field, 'end', value),
    listInsert: async (id, field, index, value) => listInsert(id, field, index, value),
    listRemove: async (id, field, index) => write(id, listRemoveChange(target(id, field), index)),
    listMove: async (id, field, from, to) => write(id, listMoveChange(target(id, field), from, to)),
    get: (id) => {
      assertOpen(ctx);
      assertIdArgument(name, id);
      // files: refs → handles, read in the live query (so upload state re-emits): no optimistic results there.
      if (fileSupport && files) return live(async () => fileSupport.withHandles(def, (await table().get(id))?.d)) as Observable<never>;
      const shows = (doc: JsonObject | undefined, wanted: string) => (wanted === id ? doc : undefined);
      return liveWithAnnouncements(ctx.announcer, name, async () => (await table().get(id))?.d, nextDoc(id), shows) as Observable<never>;
    },
    find: (query) => {
      assertOpen(ctx);
      const normalized = normalizeQuery(name, def, query as Record<string, unknown> | undefined);
      if (fileSupport && files) return live(async () => fileSupport.withHandles(def, await runQuery(table(), def, normalized))) as Observable<never>; // files:
      const shows = (docs: JsonObject[], wanted: string) => docs.find((d) => d[def.primaryKey] === wanted);
      return liveWithAnnouncements(ctx.announcer, name, () => runQuery(table(), def, normalized), nextResult(def, normalized), shows) as Observable<never>;
    },
  };
}

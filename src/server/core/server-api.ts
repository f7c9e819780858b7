/**
 * The server API: the app's own backend reads and writes a library's
 * documents (`server.library(name).collection(c)`), for example to create a
 * project's first documents or to apply a payment result. Reads see the
 * documents as the server holds them; writes go through server-write.ts as
 * the server replica (server-replica.ts), so they are stored, fanned out to
 * live replicas and in snapshots for late joiners, like a pushed op.
 *
 * Bad input (an invalid library, collection or id; a collection the
 * server's schema does not name; a bad amount) throws a TrellisError and
 * changes nothing.
 */
import { ErrorCode, TrellisError, deepEqual } from '../../core/index.js';
import type { Change, Json, JsonObject } from '../../core/index.js';
import { quoteName } from '../../protocol/index.js';
import type { CollectionDef, Schema } from '../../schema/index.js';
import { applyDefaults } from '../../schema/index.js';
import type { ServerContext } from './context.js';
import type { ServerCollection, ServerFilter, ServerLibrary } from './server-api-types.js';
import { assertName, invalid, notFound } from './server-api-errors.js';
import { incrementChange } from './server-api-increment.js';
import { listDocIds, readDoc } from './server-docs.js';
import { writeAsServer } from './server-write.js';

export function serverLibrary(ctx: ServerContext, o: { name: string; schema: Schema | undefined }): ServerLibrary {
  assertName(o.name, 'library');
  return {
    name: o.name,
    collection: <Doc extends JsonObject>(collection: string) => serverCollection<Doc>(ctx, { library: o.name, collection, schema: o.schema }),
  };
}

function serverCollection<Doc extends JsonObject>(ctx: ServerContext, o: { library: string; collection: string; schema: Schema | undefined }): ServerCollection<Doc> {
  const { library, collection } = o;
  assertName(collection, 'collection');
  const def = collectionOf(o.schema, collection);
  const primaryKey = def?.primaryKey ?? 'id';
  const key = (id: unknown) => ({ library, collection, id: assertName(id, `${collection} id`) });
  const write = (id: unknown, build: Parameters<typeof writeAsServer>[1]['build']) => void writeAsServer(ctx, { ...key(id), build });
  return {
    name: collection,
    get: (id) => readDoc(ctx.sql, key(id)) as Doc | undefined,
    find: (filter) => {
      const matches = matcher<Doc>(filter);
      const docs: Doc[] = [];
      for (const id of listDocIds(ctx.sql, { library, collection })) {
        const doc = readDoc(ctx.sql, { library, collection, id }) as Doc | undefined;
        if (doc !== undefined && matches(doc)) docs.push(doc);
      }
      return docs;
    },
    put: (doc) => {
      if (!isPlainObject(doc)) throw invalid(`put takes a document (a plain object) of ${collection}`);
      const value = def === undefined ? doc : applyDefaults(def.fields, doc);
      write(doc[primaryKey], () => [{ kind: 'put', value: structuredClone(value) }]);
    },
    update: (id, patch) => {
      if (!isPlainObject(patch)) throw invalid('update takes a patch (a plain object)');
      if (Object.hasOwn(patch, primaryKey) && patch[primaryKey] !== id) throw invalid(`the primary key "${primaryKey}" cannot change`);
      write(id, ({ doc }) => {
        if (doc === undefined) throw notFound(collection, id);
        return patchChanges(patch);
      });
    },
    delete: (id) => write(id, ({ doc }) => (doc === undefined ? [] : [{ kind: 'delete' }])),
    increment: (id, path, by) => write(id, incrementChange({ collection, id, def, path, by })),
  };
}

function collectionOf(schema: Schema | undefined, collection: string): CollectionDef | undefined {
  if (schema === undefined) return undefined;
  const def = Object.hasOwn(schema.definition.collections, collection) ? schema.definition.collections[collection] : undefined;
  if (def === undefined) {
    throw new TrellisError(ErrorCode.UNKNOWN_COLLECTION, `The server's schema has no collection ${quoteName(collection)}; use one of ${schema.collectionNames.join(', ')}.`, {
      details: { collection },
    });
  }
  return def;
}

/** One set or unset per top-level field: the server API does not merge nested objects. */
function patchChanges(patch: JsonObject): Change[] {
  return Object.entries(patch as Record<string, Json | undefined>).map(([field, value]): Change =>
    value === undefined ? { kind: 'unset', path: [field] } : { kind: 'set', path: [field], value: structuredClone(value) },
  );
}

function matcher<Doc extends JsonObject>(filter: ServerFilter<Doc> | undefined): (doc: Doc) => boolean {
  if (filter === undefined) return () => true;
  if (typeof filter === 'function') return filter;
  if (!isPlainObject(filter)) throw invalid('find takes a filter: an object of field values, or a function');
  const wanted = Object.entries(filter);
  return (doc) => wanted.every(([field, value]) => Object.hasOwn(doc, field) && deepEqual(doc[field], value));
}

function isPlainObject(value: unknown): value is JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

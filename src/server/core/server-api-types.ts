/**
 * The server API's public shapes (server-api.ts). A leaf like types.ts,
 * which names `SyncServer.library`: it imports nothing from this folder.
 */
import type { JsonObject } from '../../core/index.js';

/** A library as the app's backend sees it. */
export interface ServerLibrary {
  readonly name: string;
  /** Throws UNKNOWN_COLLECTION when the server has a schema that does not name `name`. */
  collection<Doc extends JsonObject = JsonObject>(name: string): ServerCollection<Doc>;
}

/** Which documents `find` returns: those whose top-level fields equal these values, or for which the function returns true. */
export type ServerFilter<Doc> = Partial<Doc> | ((doc: Doc) => boolean);

/**
 * One collection, read and written as the server replica. Synchronous on the
 * server's own thread; through a Durable Object stub every call is async.
 */
export interface ServerCollection<Doc extends JsonObject = JsonObject> {
  readonly name: string;
  /** The document, or undefined when absent or deleted. */
  get(id: string): Doc | undefined;
  /** The matching documents, in id order. Reads every document of the collection. */
  find(filter?: ServerFilter<Doc>): Doc[];
  /** Creates or replaces a document; its id is its primary key field (the schema's, else `id`). */
  put(doc: Doc): void;
  /** Sets each top-level field of `patch` (`undefined` removes it). NOT_FOUND when absent. */
  update(id: string, patch: Partial<Doc>): void;
  /** Deletes the document (a tombstone op); a missing one is left alone. */
  delete(id: string): void;
  /** Adds `by` (a safe integer) to a number field, merging by adding with the replicas' increments. NOT_FOUND when absent. */
  increment(id: string, path: string | readonly string[], by: number): void;
}

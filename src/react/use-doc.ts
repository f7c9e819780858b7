import type { CollectionName, DocOf, SchemaDef } from '../index.js';
import type { Collection } from '../store/index.js';
import type { LiveResult } from './observable-source.js';
import { useQuery } from './use-query.js';

/**
 * One document, live: `useDoc(todos, id)`. `{ status: 'loading' }` until it is
 * read, then `{ status: 'ready', data }` where `data` is `undefined` when there
 * is no such document (or it was deleted). Resubscribes when the collection or
 * id changes; unsubscribes on unmount.
 */
export function useDoc<S extends SchemaDef, C extends CollectionName<S>>(collection: Collection<S, C>, id: string): LiveResult<DocOf<S, C> | undefined> {
  return useQuery(() => collection.get(id), [collection, id]);
}

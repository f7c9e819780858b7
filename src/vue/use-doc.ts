import { toValue, type MaybeRefOrGetter } from 'vue';
import type { CollectionName, DocOf, SchemaDef } from '../index.js';
import type { Collection } from '../store/index.js';
import { liveRef, type LiveRef } from './live-ref.js';

/**
 * One document, live: `useDoc(todos, () => props.id)`. A ref of
 * `{ status: 'loading' }` until it is read, then `{ status: 'ready', data }`
 * where `data` is `undefined` when there is no such document (or it was
 * deleted). `id` may be a string, a ref or a getter: a new id resubscribes.
 */
export function useDoc<S extends SchemaDef, C extends CollectionName<S>>(collection: Collection<S, C>, id: MaybeRefOrGetter<string>): LiveRef<DocOf<S, C> | undefined> {
  return liveRef('useDoc', () => collection.get(toValue(id)));
}

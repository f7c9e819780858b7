import { useMemo, useSyncExternalStore, type DependencyList } from 'react';
import type { Observable } from 'rxjs';
import { observableSource, type LiveResult } from './observable-source.js';

/**
 * A live query in a component: `useQuery(() => todos.find({ where: { done: false } }), [])`.
 *
 * Returns `{ status: 'loading' }` until the query's first result, then
 * `{ status: 'ready', data }` (an empty list is `data: []`, never `loading`),
 * or `{ status: 'error', error }` if the query fails. Built on
 * `useSyncExternalStore`: every component reading the same result in a render
 * sees the same value. `query` is called again, and the old query
 * unsubscribed, only when `deps` change (as with `useMemo`); the query is
 * unsubscribed when the component unmounts. After new `deps` the result is
 * `loading` until the new query's first result.
 *
 * A local write (`put`, `update`, …) on a document this store instance
 * already shows is rendered in the same frame as the call: the store emits
 * the optimistic result before `update()` returns its promise.
 */
export function useQuery<T>(query: () => Observable<T>, deps: DependencyList): LiveResult<T> {
  const source = useMemo(() => observableSource(query()), deps);
  return useSyncExternalStore(source.subscribe, source.getSnapshot, source.getSnapshot);
}

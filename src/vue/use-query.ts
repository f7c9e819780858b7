import type { Observable } from 'rxjs';
import { liveRef, type LiveRef } from './live-ref.js';

/**
 * A live query in a component: `const list = useQuery(() => todos.find({ where: { done: showDone.value } }))`.
 *
 * A ref of `{ status: 'loading' }` until the query's first result, then
 * `{ status: 'ready', data }` (an empty list is `data: []`, never `loading`),
 * or `{ status: 'error', error }` if the query fails. `query` is called again,
 * and the old query unsubscribed, when a reactive value it reads changes (as
 * `watch` tracks a getter); the query is unsubscribed when the component's
 * scope is disposed. Call it in `setup()` (or an `effectScope`); elsewhere it
 * throws INVALID_ARGUMENT.
 *
 * A local write (`put`, `update`, …) on a document this store instance
 * already shows reaches the ref before `update()` returns its promise, so it
 * is rendered in the next frame: a checkbox bound to `find` does not flip back.
 */
export function useQuery<T>(query: () => Observable<T>): LiveRef<T> {
  return liveRef('useQuery', query);
}

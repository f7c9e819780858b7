/**
 * An rxjs Observable as a Vue ref, held by the current effect scope: the ref
 * is the last value the Observable emitted, as a LiveResult (`loading` until
 * the first value). The subscription ends when the scope is disposed (the
 * component unmounts, or `scope.stop()`), and is replaced when a reactive
 * value the source read changes.
 */
import { getCurrentScope, shallowRef, watch, type ShallowRef } from 'vue';
import { throwError, type Observable } from 'rxjs';
import { ErrorCode, TrellisError } from '../index.js';
import { LOADING, type LiveResult } from '../bindings/index.js';

/** A ref the composable owns: read `.value`, never assign it. */
export type LiveRef<T> = Readonly<ShallowRef<LiveResult<T>>>;

/** Refuses a call that no scope would ever clean up (it would hold its query and IndexedDB reads forever). */
export function requireScope(composable: string): void {
  if (getCurrentScope()) return;
  throw new TrellisError(
    ErrorCode.INVALID_ARGUMENT,
    `${composable} must be called in a component's setup() or inside effectScope().run(): its subscription ends when that scope is disposed.`,
  );
}

/**
 * `source` is called at once and again whenever a reactive value it read
 * changes; only the source is tracked, not the subscription. After a change
 * the ref is `loading` until the new Observable's first value (a value the
 * Observable emits on subscription, as a BehaviorSubject does, is there at once).
 */
export function liveRef<T>(composable: string, source: () => Observable<T>): LiveRef<T> {
  requireScope(composable);
  const result = shallowRef<LiveResult<T>>(LOADING);
  // A source that throws (a bad query) is an `error` result, as a query that fails later is.
  const guarded = (): Observable<T> => {
    try {
      return source();
    } catch (error) {
      return throwError(() => error);
    }
  };
  watch(
    guarded,
    (observable, _previous, onCleanup) => {
      result.value = LOADING;
      const subscription = observable.subscribe({
        next: (data) => (result.value = { status: 'ready', data }),
        error: (error: unknown) => (result.value = { status: 'error', error }),
      });
      onCleanup(() => subscription.unsubscribe());
    },
    { immediate: true },
  );
  return result;
}

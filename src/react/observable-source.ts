/**
 * An rxjs Observable as a React external store (`subscribe` + `getSnapshot`
 * for `useSyncExternalStore`). The snapshot is the last value the Observable
 * emitted, kept in one object that changes identity only when a new value
 * arrives, so every component reading the source in one render sees the same
 * value (no tearing). The Observable is subscribed while at least one
 * component listens and unsubscribed when the last one leaves.
 */
import type { Observable, Subscription } from 'rxjs';
import { LOADING, type LiveResult } from '../bindings/index.js';

export type { LiveResult };

export interface ObservableSource<T> {
  subscribe(listener: () => void): () => void;
  getSnapshot(): LiveResult<T>;
}

/**
 * `peek`: read a value the Observable emits synchronously on subscription
 * (a BehaviorSubject's current value) when the source is made, so the first
 * render shows it instead of `loading`. Only for Observables that are cheap to
 * subscribe to; a store query starts an IndexedDB read, so it does not peek.
 */
export function observableSource<T>(observable: Observable<T>, options: { peek?: boolean } = {}): ObservableSource<T> {
  let snapshot: LiveResult<T> = LOADING;
  const listeners = new Set<() => void>();
  let subscription: Subscription | undefined;
  const set = (next: LiveResult<T>) => {
    snapshot = next;
    // A copy: a listener may unsubscribe (and another subscribe) while being told.
    for (const listener of [...listeners]) listener();
  };
  if (options.peek) observable.subscribe((value) => (snapshot = { status: 'ready', data: value })).unsubscribe();
  return {
    subscribe(listener) {
      listeners.add(listener);
      subscription ??= observable.subscribe({
        next: (data) => set({ status: 'ready', data }),
        error: (error: unknown) => set({ status: 'error', error }),
      });
      return () => {
        listeners.delete(listener);
        if (listeners.size > 0) return;
        subscription?.unsubscribe();
        subscription = undefined;
      };
    },
    getSnapshot: () => snapshot,
  };
}

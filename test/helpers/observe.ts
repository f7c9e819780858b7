import type { Observable } from 'rxjs';

export interface Recording<T> {
  readonly values: T[];
  /** Resolves once `predicate` holds for the values so far (rejects after `ms` as a safety net, never as an assertion of speed). */
  until(predicate: (values: readonly T[]) => boolean, ms?: number): Promise<void>;
  stop(): void;
}

/** Subscribes and records every emission. */
export function record<T>(observable: Observable<T>): Recording<T> {
  const values: T[] = [];
  const waiters = new Set<() => void>();
  const subscription = observable.subscribe((value) => {
    values.push(value);
    for (const check of waiters) check();
  });
  return {
    values,
    until(predicate, ms = 5000) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`Condition not reached; values so far: ${JSON.stringify(values)}`));
        }, ms);
        const check = () => {
          if (!predicate(values)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      });
    },
    stop: () => subscription.unsubscribe(),
  };
}

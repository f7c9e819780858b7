/** What a live query binding returns: `loading` until the first result, which may be empty (`[]`) or `undefined` (no such document). */
export type LiveResult<T> =
  | { readonly status: 'loading' }
  | { readonly status: 'ready'; readonly data: T }
  | { readonly status: 'error'; readonly error: unknown };

/** One frozen object for every `loading` result: bindings compare snapshots by identity. */
export const LOADING: LiveResult<never> = Object.freeze({ status: 'loading' });

/**
 * The shapes of SyncServer.snapshot (snapshot-http.ts). A leaf: it imports nothing from this folder
 * (types.ts imports it), so the claims' type comes in as `C` (types.ts's Claims).
 */

export interface SnapshotRequest<C = unknown> {
  readonly library: string;
  /** The epoch and server seq the URL names; only the library's current ones are served. */
  readonly epoch: string;
  readonly serverSeq: number;
  /** The reader's protocol version: packed frames from 5 on, plain before. */
  readonly protocol: number;
  /** The requester's verified claims (for logs, and for scopes when tokens carry them). */
  readonly claims: C;
  /** The request's If-None-Match header, if any. */
  readonly ifNoneMatch?: string;
}

export type SnapshotResult =
  /** `frames`: the `snapshot` frames a joining socket gets, the last with done: true. */
  | { readonly kind: 'snapshot'; readonly frames: readonly string[]; readonly etag: string }
  /** If-None-Match named this snapshot's tag. */
  | { readonly kind: 'not-modified'; readonly etag: string }
  /** The URL names another state; `current` is the library's now (undefined: the server holds nothing for it). */
  | { readonly kind: 'stale'; readonly current: { readonly epoch: string; readonly serverSeq: number } | undefined }
  /** The reader cannot read this library's snapshot (a protocol without counters): the refusal frame and close. */
  | { readonly kind: 'refused'; readonly frames: readonly string[]; readonly close: { readonly code: number; readonly reason: string } };

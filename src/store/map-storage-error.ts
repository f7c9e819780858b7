/**
 * How storage failures reach the app. A file of its own, below write.ts, so
 * that compact.ts (reached from write.ts through heads.ts) can use it without
 * an import cycle.
 */
import { Dexie } from 'dexie';
import { ErrorCode, TrellisError, isTrellisError } from '../core/index.js';

/** IndexedDB and Dexie failures become STORAGE_FAILED with the original as `cause`; our own errors pass through. */
export function mapStorageError(err: unknown): unknown {
  if (isTrellisError(err)) return err;
  if (err instanceof Dexie.DexieError || (typeof DOMException !== 'undefined' && err instanceof DOMException)) {
    const e = err as Error;
    return new TrellisError(ErrorCode.STORAGE_FAILED, `IndexedDB failed (${e.name}): ${e.message}`, { cause: err });
  }
  return err;
}

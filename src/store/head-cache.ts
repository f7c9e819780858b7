/**
 * The heads this store instance last wrote or merged, kept in memory so that
 * a remote write can be merged and shown to live queries as soon as it
 * arrives, before its transaction has read the document (remote.ts). Shown
 * only: what is stored is always merged from the head read in the
 * transaction, and when that head differs from the one held here, the
 * documents are shown again as stored.
 *
 * A head held here is current while this instance is the only writer of its
 * row. Every other write to a table of heads (from another tab or store
 * instance of the database, or through Dexie's own transactions) is told
 * through `Dexie.on.storagemutated`, and empties the cache; so do a failed
 * write and a reset.
 */
import { Dexie, type ObservabilitySet } from 'dexie';
import type { DocState } from '../core/index.js';
import { firedBy } from './idb.js';
import { holdsHeads } from './database.js';

/** Enough for the documents a user is looking at and editing; a head costs about a kilobyte. */
const LIMIT = 2_000;

export interface HeadCache {
  /** The head of the document under `key` (heads.ts headKey), when held. */
  get(key: string): DocState | undefined;
  /** Heads as this instance's writes leave them (before they commit: a failed write calls `clear`). */
  remember(heads: readonly { readonly key: string; readonly state: DocState }[]): void;
  clear(): void;
  /** Stops listening for other writers; the cache stays empty. */
  close(): void;
}

export function createHeadCache(db: Dexie): HeadCache {
  const heads = new Map<string, DocState>();
  let open = true;
  const prefix = `idb://${db.name}/`;
  // A part is `idb://<database>/<table>/<index>`; `all` is Dexie's mark for "anything may have changed"
  // (a page restored from the back-forward cache). Dexie's private shape, pinned by dexie-change-contract.test.ts.
  const touchesHeads = (part: string) => part === 'all' || (part.startsWith(prefix) && holdsHeads(part.slice(prefix.length, part.indexOf('/', prefix.length))));
  const listener = (parts: ObservabilitySet) => {
    if (firedBy(parts) !== db && Object.keys(parts).some(touchesHeads)) heads.clear();
  };
  Dexie.on.storagemutated.subscribe(listener);
  return {
    get: (key) => heads.get(key),
    remember(written) {
      if (!open) return;
      // A bulk write of more than the cache holds: only its last heads stay.
      if (written.length >= LIMIT) heads.clear();
      for (const { key, state } of written.length > LIMIT ? written.slice(-LIMIT) : written) {
        // Most recent last, so the oldest go first when the cache is full.
        heads.delete(key);
        heads.set(key, state);
      }
      for (const key of heads.keys()) {
        if (heads.size <= LIMIT) break;
        heads.delete(key);
      }
    },
    clear: () => heads.clear(),
    close() {
      open = false;
      heads.clear();
      Dexie.on.storagemutated.unsubscribe(listener);
    },
  };
}

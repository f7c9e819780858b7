/**
 * The documents a server with a schema or rules checks pushes against: each
 * document's merge state (baseline + every op the log holds for it), kept in
 * a bounded, least-recently-used cache so a push does not read a whole
 * document back each time.
 *
 * Invariant: a cached state is the state the log and baselines hold, for the
 * library's epoch and head it was last checked at. Writes through this
 * server's push path update it after their commit (`remember`); any other
 * change (a seed, an eviction, a write by another process on the same
 * database, or by another path of this server) moves the epoch or the head
 * past what the cache saw, and `forLibrary` then drops the library's entries.
 */
import type { DocState } from '../../core/index.js';
import { loadState, loadStates } from './load-doc-states.js';
import { documentKey } from './op-log.js';
import type { SqlStorage } from './types.js';

/** Most documents kept; the least recently used go first. */
export const DOC_CACHE_ENTRIES = 2000;
/** Most JSON bytes (estimated as UTF-16 length) kept over all documents. */
export const DOC_CACHE_BYTES = 64 * 1024 * 1024;

type Cached = SizedState;

interface LibraryEntries {
  epoch: string;
  head: number;
  readonly docs: Map<string, Cached>;
}

export interface DocCache {
  /** The library's documents as of (epoch, head): its entries are dropped unless the cache last saw exactly these. */
  forLibrary(o: { library: string; epoch: string; head: number }): LibraryDocs;
  /** Forget one library (a seed or an eviction replaced its rows). */
  drop(library: string): void;
}

export interface LibraryDocs {
  /** The document's state, read from storage on a miss. */
  read(sql: SqlStorage, doc: { collection: string; id: string }): DocState;
  /**
   * Every document of `docs` by documentKey, with its size estimate: the cached ones, and the others
   * read from storage at once (load-doc-states.ts) but not cached: a push's documents before it is
   * judged, which `remember` caches after the commit.
   */
  readMany(sql: SqlStorage, docs: readonly KeyedDoc[]): Map<string, SizedState>;
  /** After a commit: these documents now hold these states (sized in all), and the library's head is `head`. */
  remember(o: { head: number; states: ReadonlyMap<string, SizedState> }): void;
}

/** A document and its documentKey (computed once per op by the caller). */
export interface KeyedDoc {
  readonly collection: string;
  readonly id: string;
  readonly key: string;
}

/** A document's state and an estimate of its JSON size. */
export interface SizedState {
  readonly state: DocState;
  readonly bytes: number;
}

export function createDocCache(limits: { entries: number; bytes: number } = { entries: DOC_CACHE_ENTRIES, bytes: DOC_CACHE_BYTES }): DocCache {
  const libraries = new Map<string, LibraryEntries>();
  let totalBytes = 0;
  let totalEntries = 0;

  const remove = (lib: LibraryEntries, key: string): void => {
    const cached = lib.docs.get(key);
    if (cached === undefined) return;
    lib.docs.delete(key);
    totalBytes -= cached.bytes;
    totalEntries -= 1;
  };
  const put = (lib: LibraryEntries, key: string, cached: Cached): void => {
    remove(lib, key);
    // A document larger than the whole budget is read from storage each time: caching it would evict every other one, then itself.
    if (cached.bytes > limits.bytes) return;
    lib.docs.set(key, cached);
    totalBytes += cached.bytes;
    totalEntries += 1;
    evict();
  };
  // Past a limit, the least recently used go until the cache is back at 15/16 of both: one pass per
  // sixteenth of the cache instead of one per new document (each pass walks the Map from its oldest
  // entry, over the holes earlier deletions left). Oldest first across libraries: each library's Map
  // is in use order, and the first library's go first.
  const lowEntries = Math.floor((limits.entries * 15) / 16);
  const lowBytes = Math.floor((limits.bytes * 15) / 16);
  const evict = (): void => {
    if (totalEntries <= limits.entries && totalBytes <= limits.bytes) return;
    for (const lib of libraries.values()) {
      for (const key of lib.docs.keys()) {
        if (totalEntries <= lowEntries && totalBytes <= lowBytes) return;
        remove(lib, key);
      }
    }
  };
  const drop = (library: string): void => {
    const lib = libraries.get(library);
    if (lib === undefined) return;
    for (const key of [...lib.docs.keys()]) remove(lib, key);
    libraries.delete(library);
  };

  return {
    drop,
    forLibrary({ library, epoch, head }) {
      let lib = libraries.get(library);
      if (lib !== undefined && (lib.epoch !== epoch || lib.head !== head)) drop(library), (lib = undefined);
      if (lib === undefined) libraries.set(library, (lib = { epoch, head, docs: new Map() }));
      const entries = lib;
      return {
        read(sql, doc) {
          const key = documentKey(doc.collection, doc.id);
          const hit = entries.docs.get(key);
          if (hit !== undefined) {
            // Most recently used goes last.
            entries.docs.delete(key);
            entries.docs.set(key, hit);
            return hit.state;
          }
          const loaded = loadState(sql, { library, ...doc });
          put(entries, key, loaded);
          return loaded.state;
        },
        readMany(sql, docs) {
          const found = new Map<string, SizedState>();
          const missing: KeyedDoc[] = [];
          for (const doc of docs) {
            const key = doc.key;
            if (found.has(key)) continue;
            const hit = entries.docs.get(key);
            if (hit === undefined) missing.push(doc);
            else found.set(key, hit);
          }
          if (missing.length > 0) for (const [key, loaded] of loadStates(sql, { library, docs: missing })) found.set(key, loaded);
          return found;
        },
        remember({ head: next, states }) {
          entries.head = next;
          for (const [key, sized] of states) put(entries, key, sized);
        },
      };
    },
  };
}

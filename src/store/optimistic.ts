/**
 * Optimistic live queries. A local write announces the documents it changes
 * as soon as its requests are issued, before the transaction commits, and
 * each live `get`/`find` of this store instance that can work out its new
 * result from its current one emits it at once. Dexie's live query still
 * re-runs after the commit and has the last word: its result replaces the
 * optimistic one (and is not emitted again when it is the same), and a write
 * whose transaction fails is withdrawn by re-emitting the last confirmed
 * result. Other tabs and store instances see writes after commit, as before.
 *
 * Remote writes this instance applies (remote.ts) are announced the same
 * way: as soon as they arrive when this instance holds the documents' heads
 * in memory (head-cache.ts), else once their heads are read.
 *
 * A `find` result is maintained only when that is exact: an offset, or a
 * change that would pull in a document from beyond a full window, waits for
 * the re-run instead.
 */
import { Observable } from 'rxjs';
import type { JsonObject } from '../core/index.js';
import { deepEqual } from '../core/index.js';
import type { CollectionDef } from '../schema/index.js';
import { compareValues, matchesAll } from './query.js';
import { planQuery, type NormalizedQuery } from './query-plan.js';
import { live } from './query.js';

/** A document as a local write leaves it (undefined: deleted). */
export interface DocChange {
  readonly collection: string;
  readonly id: string;
  readonly doc: JsonObject | undefined;
}

type Watcher = {
  readonly collection: string;
  /** The document `id` as this query shows it now, when it shows it. */
  shows(id: string): JsonObject | undefined;
  announce(changes: readonly DocChange[]): void;
  withdraw(): void;
};

/** The announcements of one store instance. */
export interface Announcer {
  announce(changes: readonly DocChange[]): void;
  /** A write announced earlier failed: live results go back to what IndexedDB holds. */
  withdraw(collections: ReadonlySet<string>): void;
  /**
   * Announces the document `id` as `next` turns it, when a live query shows it now (preview-update.ts);
   * `next` gets a copy and returns undefined to show nothing. Returns whether it announced.
   */
  preview(collection: string, id: string, next: (doc: JsonObject) => JsonObject | undefined): boolean;
  watch(watcher: Watcher): () => void;
}

export function createAnnouncer(): Announcer {
  const watchers = new Set<Watcher>();
  return {
    announce(changes) {
      const byCollection = new Map<string, DocChange[]>();
      for (const watcher of watchers) {
        let mine = byCollection.get(watcher.collection);
        if (mine === undefined) {
          // Copies: the documents are the write's own, and a subscriber may change what it is given.
          mine = changes.filter((c) => c.collection === watcher.collection).map((c) => ({ ...c, doc: c.doc && structuredClone(c.doc) }));
          byCollection.set(watcher.collection, mine);
        }
        if (mine.length > 0) watcher.announce(mine);
      }
    },
    withdraw(collections) {
      for (const watcher of watchers) if (collections.has(watcher.collection)) watcher.withdraw();
    },
    preview(collection, id, next) {
      let doc: JsonObject | undefined;
      for (const watcher of watchers) if (watcher.collection === collection) doc ??= watcher.shows(id);
      const changed = doc && next(structuredClone(doc));
      if (changed === undefined) return false;
      this.announce([{ collection, id, doc: changed }]);
      return true;
    },
    watch(watcher) {
      watchers.add(watcher);
      return () => void watchers.delete(watcher);
    },
  };
}

/** The result after some changes, or undefined when it cannot be worked out without reading. */
type Next<T> = (current: T, changes: readonly DocChange[]) => { readonly value: T } | undefined;

/** The document `id` in a query's result, when it holds it. */
type Shows<T> = (current: T, id: string) => JsonObject | undefined;

/** `live(read)` plus optimistic results worked out by `next`. */
export function liveWithAnnouncements<T>(announcer: Announcer, collection: string, read: () => Promise<T>, next: Next<T>, shows: Shows<T>): Observable<T> {
  return new Observable<T>((subscriber) => {
    let confirmed: { value: T } | undefined;
    let shown: { value: T } | undefined;
    const show = (value: T) => {
      if (shown && deepEqual(shown.value, value)) return;
      shown = { value };
      subscriber.next(value);
    };
    const unwatch = announcer.watch({
      collection,
      shows: (id) => (shown ? shows(shown.value, id) : undefined),
      announce: (changes) => {
        const result = shown && next(shown.value, changes);
        if (result) show(result.value);
      },
      withdraw: () => confirmed && show(confirmed.value),
    });
    const subscription = live(read).subscribe({
      next: (value) => {
        confirmed = { value };
        show(value);
      },
      error: (err) => subscriber.error(err),
    });
    return () => {
      unwatch();
      subscription.unsubscribe();
    };
  });
}

/** The next result of `get(id)`: the document as the last change to it left it (undefined when deleted). */
export function nextDoc(id: string): Next<JsonObject | undefined> {
  return (current, changes) => {
    let value = current;
    for (const change of changes) if (change.id === id) value = change.doc;
    return { value };
  };
}

/** The order `runQuery` returns documents in, as a comparator. */
function resultOrder(def: CollectionDef, query: NormalizedQuery): (a: JsonObject, b: JsonObject) => number {
  const plan = planQuery(def, query);
  const pk = def.primaryKey;
  let fields: readonly string[];
  let sign = query.orderBy?.direction === 'desc' ? -1 : 1;
  if (!plan.ordered) fields = [(query.orderBy as { field: string }).field, pk];
  else if (plan.index === undefined || plan.index === 'k') fields = query.orderBy ? [query.orderBy.field, pk] : [pk];
  else fields = [...(def.indexes?.[plan.index.slice(2)] ?? []), pk];
  if (!query.orderBy) sign = 1;
  return (a, b) => {
    for (const field of fields) {
      const c = compareValues(a[field], b[field]);
      if (c !== 0) return sign * c;
    }
    return 0;
  };
}

/** The next result of a `find`, or undefined when the window cannot be worked out without reading. */
export function nextResult(def: CollectionDef, query: NormalizedQuery): Next<JsonObject[]> {
  const order = resultOrder(def, query);
  const pk = def.primaryKey;
  return (current, changes) => {
    if (query.offset > 0) return undefined;
    // Whether `result` holds every match: a result shorter than its limit does; a full one may have more beyond it.
    let all = query.limit === undefined || current.length < query.limit;
    let result = current;
    for (const { id, doc } of changes) {
      const at = result.findIndex((d) => d[pk] === id);
      const matches = doc !== undefined && matchesAll(doc, query);
      if (at >= 0 && matches && order(result[at] as JsonObject, doc) === 0) {
        result = [...result];
        result[at] = doc;
        continue;
      }
      const rest = at >= 0 ? [...result.slice(0, at), ...result.slice(at + 1)] : result;
      if (!matches) {
        // Out of a full window: the document that moves up into it is not known here.
        if (at >= 0 && !all) return undefined;
        result = rest;
        continue;
      }
      let to = rest.findIndex((d) => order(doc, d) < 0);
      if (to === -1 && !all) {
        // It sorts after the window: if it was in it, whatever now follows is not known here.
        if (at >= 0) return undefined;
        continue;
      }
      if (to === -1) to = rest.length;
      result = [...rest.slice(0, to), doc, ...rest.slice(to)];
      if (query.limit !== undefined && result.length > query.limit) {
        result = result.slice(0, query.limit);
        all = false;
      }
    }
    return { value: result };
  };
}

import { Observable } from 'rxjs';
import { Dexie, liveQuery, type Table } from 'dexie';
import type { JsonObject } from '../core/index.js';
import type { CollectionDef } from '../schema/index.js';
import type { DocRow } from './database.js';
import { encodeIndexValue } from './index-keys.js';
import { planQuery, type Condition, type NormalizedQuery, type Plan } from './query-plan.js';

/** A Dexie live query as an rxjs Observable: emits once, then whenever a write touches what it read (any tab). */
export function live<T>(read: () => Promise<T>): Observable<T> {
  return new Observable<T>((subscriber) => {
    const subscription = liveQuery(read).subscribe({
      next: (value) => subscriber.next(value),
      error: (err) => subscriber.error(err),
    });
    return () => subscription.unsubscribe();
  });
}

/**
 * A walk of the primary key (range) in pages read with one request each
 * (a filtered Dexie collection would step a cursor row by row), skipping the
 * rows of deleted documents; a page that came back short of live documents
 * is followed by the next one, from where it ended.
 */
async function scanLive(table: Table<DocRow, string>, plan: Plan, query: NormalizedQuery): Promise<JsonObject[]> {
  const want = query.limit === undefined ? Infinity : query.offset + query.limit;
  const desc = query.orderBy?.direction === 'desc';
  let { lower = Dexie.minKey, upper = Dexie.maxKey, lowerOpen, upperOpen } = plan;
  const docs: JsonObject[] = [];
  for (;;) {
    let walk = table.where(':id').between(lower, upper, !lowerOpen, !upperOpen);
    if (desc) walk = walk.reverse();
    const missing = want - docs.length;
    const rows = Number.isFinite(missing) ? await walk.limit(missing).toArray() : await walk.toArray();
    for (const row of rows) if (row.d !== undefined) docs.push(row.d);
    if (rows.length < missing || docs.length >= want || rows.length === 0) break;
    const last = (rows.at(-1) as DocRow).k;
    if (desc) [upper, upperOpen] = [last, true];
    else [lower, lowerOpen] = [last, true];
  }
  return docs.slice(query.offset, want);
}

/** IndexedDB key order: numbers < strings; encoded so booleans and null compare too. */
export function compareValues(a: unknown, b: unknown): number {
  const x = encodeIndexValue(a);
  const y = encodeIndexValue(b);
  if (typeof x === typeof y) return x < y ? -1 : x > y ? 1 : 0;
  return typeof x === 'number' ? -1 : 1;
}

function matches(doc: JsonObject, field: string, condition: Condition): boolean {
  const value = doc[field];
  if (condition.kind === 'eq') return condition.value === null ? value == null : value === condition.value;
  if (value === undefined || value === null) return false;
  if (condition.startsWith !== undefined && (typeof value !== 'string' || !value.startsWith(condition.startsWith))) return false;
  if (condition.gt !== undefined && !(compareValues(value, condition.gt) > 0)) return false;
  if (condition.gte !== undefined && !(compareValues(value, condition.gte) >= 0)) return false;
  if (condition.lt !== undefined && !(compareValues(value, condition.lt) < 0)) return false;
  if (condition.lte !== undefined && !(compareValues(value, condition.lte) <= 0)) return false;
  return true;
}

export function matchesAll(doc: JsonObject, query: NormalizedQuery): boolean {
  for (const [field, condition] of query.conditions) if (!matches(doc, field, condition)) return false;
  return true;
}

/** Runs a normalized query; the caller wraps it in `live` to observe it. */
export async function runQuery(table: Table<DocRow, string>, def: CollectionDef, query: NormalizedQuery): Promise<JsonObject[]> {
  const plan = planQuery(def, query);
  // Deleted documents keep a row without `d` (its head): no index lists it, but a walk of the primary key meets it.
  const scan = plan.index === undefined || plan.index === 'k';
  if (scan && plan.exact && plan.ordered) return scanLive(table, plan, query);
  if (scan && plan.exact) return sortAndSlice(def, query, await scanLive(table, plan, { ...query, orderBy: undefined, limit: undefined, offset: 0 }));
  const filter = (row: DocRow) => row.d !== undefined && matchesAll(row.d, query);
  let collection =
    plan.index === undefined
      ? table.toCollection()
      : table.where(plan.index).between(plan.lower ?? Dexie.minKey, plan.upper ?? Dexie.maxKey, !plan.lowerOpen, !plan.upperOpen);
  if (!plan.exact || scan) collection = collection.filter(filter);
  if (plan.ordered) {
    if (query.orderBy?.direction === 'desc') collection = collection.reverse();
    if (query.offset > 0) collection = collection.offset(query.offset);
    if (query.limit !== undefined) collection = collection.limit(query.limit);
    return (await collection.toArray()).map((row) => row.d as JsonObject);
  }
  return sortAndSlice(def, query, (await collection.toArray()).map((row) => row.d as JsonObject));
}

/** Orders by the query's field (then primary key) and applies offset and limit. */
function sortAndSlice(def: CollectionDef, query: NormalizedQuery, docs: JsonObject[]): JsonObject[] {
  const { field, direction } = query.orderBy as { field: string; direction: 'asc' | 'desc' };
  const pk = def.primaryKey;
  const sign = direction === 'desc' ? -1 : 1;
  docs.sort((a, b) => sign * (compareValues(a[field], b[field]) || compareValues(a[pk], b[pk])));
  return docs.slice(query.offset, query.limit === undefined ? undefined : query.offset + query.limit);
}

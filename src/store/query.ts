import { Observable } from 'rxjs';
import { Dexie, liveQuery, type Table } from 'dexie';
import type { JsonObject } from '../core/index.js';
import type { CollectionDef } from '../schema/index.js';
import type { DocRow } from './database.js';
import { encodeIndexValue } from './index-keys.js';
import { planQuery, type Condition, type NormalizedQuery } from './query-plan.js';

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
  const filter = (row: DocRow) => matchesAll(row.d, query);
  let collection =
    plan.index === undefined
      ? table.toCollection()
      : table.where(plan.index).between(plan.lower ?? Dexie.minKey, plan.upper ?? Dexie.maxKey, !plan.lowerOpen, !plan.upperOpen);
  if (!plan.exact) collection = collection.filter(filter);
  if (plan.ordered) {
    if (query.orderBy?.direction === 'desc') collection = collection.reverse();
    if (query.offset > 0) collection = collection.offset(query.offset);
    if (query.limit !== undefined) collection = collection.limit(query.limit);
    return (await collection.toArray()).map((row) => row.d);
  }
  const docs = (await collection.toArray()).map((row) => row.d);
  const { field, direction } = query.orderBy as { field: string; direction: 'asc' | 'desc' };
  const pk = def.primaryKey;
  const sign = direction === 'desc' ? -1 : 1;
  docs.sort((a, b) => sign * (compareValues(a[field], b[field]) || compareValues(a[pk], b[pk])));
  return docs.slice(query.offset, query.limit === undefined ? undefined : query.offset + query.limit);
}

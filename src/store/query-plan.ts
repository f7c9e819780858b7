/**
 * Query planning: pick the index that serves the most of a `find`, so the
 * work done by IndexedDB (and the ranges Dexie's liveQuery watches) stays
 * small. Every condition is still re-checked on the documents, so a plan can
 * only be slower, never wrong.
 */
import { ErrorCode, TrellisError } from '../core/index.js';
import type { CollectionDef } from '../schema/index.js';
import { encodeIndexValue } from './index-keys.js';

export interface RangeCondition {
  readonly gt?: unknown;
  readonly gte?: unknown;
  readonly lt?: unknown;
  readonly lte?: unknown;
  readonly startsWith?: string;
}

export type Condition = { readonly kind: 'eq'; readonly value: unknown } | ({ readonly kind: 'range' } & RangeCondition);

export interface NormalizedQuery {
  readonly conditions: ReadonlyMap<string, Condition>;
  readonly orderBy?: { readonly field: string; readonly direction: 'asc' | 'desc' };
  readonly limit?: number;
  readonly offset: number;
}

export interface Plan {
  /** The Dexie index to walk: 'k' (primary key) or an `x_<index>` key; undefined = full scan. */
  readonly index?: string;
  readonly lower?: unknown;
  readonly upper?: unknown;
  readonly lowerOpen: boolean;
  readonly upperOpen: boolean;
  /** The walk already yields documents in the requested order. */
  readonly ordered: boolean;
  /**
   * The bounds enforce every condition, so no per-row filter is needed. That
   * matters: a filtered Dexie collection walks a cursor row by row, while an
   * exact range is one getAll(range, limit) request.
   */
  readonly exact: boolean;
}

const RANGE_KEYS = new Set(['gt', 'gte', 'lt', 'lte', 'startsWith']);
const MAX: unknown = [[]];

function invalid(message: string, details: Record<string, unknown>): TrellisError {
  return new TrellisError(ErrorCode.QUERY_INVALID, `${message}. Fix the query.`, { details });
}

function isRange(value: unknown): value is RangeCondition {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).every((k) => RANGE_KEYS.has(k));
}

export function normalizeQuery(collection: string, def: CollectionDef, query: Record<string, unknown> = {}): NormalizedQuery {
  const conditions = new Map<string, Condition>();
  const where = (query.where ?? {}) as Record<string, unknown>;
  if (typeof where !== 'object' || where === null) throw invalid('`where` must be an object', { collection });
  for (const [field, value] of Object.entries(where)) {
    if (!Object.hasOwn(def.fields, field)) throw invalid(`Unknown field "${field}" in where of ${collection}`, { collection, field });
    if (value === undefined) continue;
    if (isRange(value)) {
      if (Object.keys(value).length === 0) throw invalid(`Empty condition on "${field}"`, { collection, field });
      if (value.startsWith !== undefined && typeof value.startsWith !== 'string') {
        throw invalid(`startsWith on "${field}" must be a string`, { collection, field });
      }
      conditions.set(field, { kind: 'range', ...value });
    } else if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) {
      conditions.set(field, { kind: 'eq', value });
    } else throw invalid(`Condition on "${field}" must be a value or { gt, gte, lt, lte, startsWith }`, { collection, field });
  }
  const [field, direction = 'asc'] = (Array.isArray(query.orderBy) ? query.orderBy : [query.orderBy]) as [unknown, unknown];
  if (field !== undefined && (typeof field !== 'string' || !Object.hasOwn(def.fields, field))) {
    throw invalid(`orderBy names unknown field "${String(field)}" of ${collection}`, { collection, field });
  }
  if (direction !== 'asc' && direction !== 'desc') throw invalid(`Order direction must be 'asc' or 'desc'`, { collection });
  const limit = query.limit as number | undefined;
  const offset = (query.offset as number | undefined) ?? 0;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw invalid('limit must be a non-negative integer', { limit });
  if (!Number.isInteger(offset) || offset < 0) throw invalid('offset must be a non-negative integer', { offset });
  return {
    conditions,
    ...(field !== undefined ? { orderBy: { field: field as string, direction } } : {}),
    ...(limit !== undefined ? { limit } : {}),
    offset,
  };
}

interface Candidate extends Plan {
  readonly score: number;
}

function bounds(prefix: unknown[], condition: Condition | undefined) {
  if (!condition || condition.kind === 'eq') {
    const value = condition ? [encodeIndexValue(condition.value)] : [];
    // A key that is exactly the prefix (all index fields fixed) must fall inside: an array sorts after its own prefix, so the prefix itself is the lower bound.
    return { lower: [...prefix, ...value], upper: [...prefix, ...value, MAX], lowerOpen: false, upperOpen: false };
  }
  let lower: unknown[] = [...prefix];
  let upper: unknown[] = [...prefix, MAX];
  let lowerOpen = false;
  let upperOpen = false;
  if (condition.startsWith !== undefined) {
    lower = [...prefix, condition.startsWith];
    upper = [...prefix, condition.startsWith + '\uffff', MAX];
  }
  if (condition.gte !== undefined) lower = [...prefix, encodeIndexValue(condition.gte)];
  if (condition.gt !== undefined) lower = [...prefix, encodeIndexValue(condition.gt), MAX];
  if (condition.lte !== undefined) upper = [...prefix, encodeIndexValue(condition.lte), MAX];
  if (condition.lt !== undefined) {
    upper = [...prefix, encodeIndexValue(condition.lt)];
    upperOpen = true;
  }
  if (condition.gt !== undefined) lowerOpen = true;
  return { lower, upper, lowerOpen, upperOpen };
}

/** A range the bounds express exactly: startsWith alone, or gt/gte and/or lt/lte. */
function isSimpleRange(condition: Condition): boolean {
  if (condition.kind !== 'range') return false;
  const bounds = [condition.gt, condition.gte, condition.lt, condition.lte].filter((b) => b !== undefined).length;
  if (condition.startsWith !== undefined) return bounds === 0;
  return !(condition.gt !== undefined && condition.gte !== undefined) && !(condition.lt !== undefined && condition.lte !== undefined);
}

function candidate(index: string, fields: readonly string[], query: NormalizedQuery): Candidate | undefined {
  let eq = 0;
  const prefix: unknown[] = [];
  for (const field of fields) {
    const c = query.conditions.get(field);
    if (c?.kind !== 'eq') break;
    prefix.push(encodeIndexValue(c.value));
    eq++;
  }
  const next = fields[eq];
  const range = next !== undefined ? query.conditions.get(next) : undefined;
  const ordered = query.orderBy === undefined || (next !== undefined && query.orderBy.field === next);
  const ranged = range?.kind === 'range';
  const score = eq * 4 + (ranged ? 2 : 0) + (query.orderBy && ordered ? 3 : 0);
  if (score === 0) return undefined;
  const covered = eq + (ranged && isSimpleRange(range) ? 1 : 0);
  const exact = query.conditions.size === covered && (!ranged || isSimpleRange(range));
  return { index, ...bounds(prefix, ranged ? range : undefined), ordered, exact, score };
}

/** The best index for the query, or a full scan. */
export function planQuery(def: CollectionDef, query: NormalizedQuery): Plan {
  const options: Candidate[] = [];
  const pk = candidate('k', [def.primaryKey], query);
  if (pk) options.push(pk);
  for (const [name, fields] of Object.entries(def.indexes ?? {})) {
    const c = candidate(`x_${name}`, fields, query);
    if (c) options.push(c);
  }
  options.sort((a, b) => b.score - a.score);
  const best = options[0];
  if (!best) return { lowerOpen: false, upperOpen: false, ordered: query.orderBy === undefined, exact: query.conditions.size === 0 };
  if (best.index === 'k') return { ...best, lower: unwrapPk(best.lower as unknown[]), upper: unwrapPk(best.upper as unknown[]) };
  return best;
}

/** The primary key is stored as a plain string, so its bounds are the first element (open flags keep their meaning). */
function unwrapPk(bound: unknown[] | undefined): unknown {
  return bound?.[0];
}

/**
 * Replication queries and token scopes: which documents a replica holds
 * (query) and may see or write (scope), in the same terms. A document matches
 * when its collection is listed (every collection when `collections` is
 * absent) and its id starts with one of `idPrefix` (every id when absent). An
 * empty list matches nothing. Ids never change, so a document never moves in
 * or out of a query by being edited. This file is the one statement of the
 * rule: the client (what it drops on narrowing), the server (what it sends,
 * what it refuses) and the file server use it.
 */
import * as v from 'valibot';
import { ErrorCode, TrellisError } from '../core/index.js';
import { MAX_QUERY_COLLECTIONS, MAX_QUERY_PREFIXES } from './limits.js';
import { NameSchema } from './op.js';

/** On the wire (hello, a token's `scope`): lists only, each bounded. */
export const QuerySchema = v.object({
  collections: v.optional(v.pipe(v.array(NameSchema), v.maxLength(MAX_QUERY_COLLECTIONS, `At most ${MAX_QUERY_COLLECTIONS} collections in a query or scope`))),
  /** Each prefix is a non-empty name: an empty one would mean every id, which leaving `idPrefix` out says. */
  idPrefix: v.optional(v.pipe(v.array(NameSchema), v.maxLength(MAX_QUERY_PREFIXES, `At most ${MAX_QUERY_PREFIXES} id prefixes in a query or scope`))),
});

/** A query as it travels and as both sides hold it. `{}` is the whole library. */
export type Query = v.InferOutput<typeof QuerySchema>;

/** A query as an app writes it: `idPrefix` may be one string. */
export interface ReplicationQuery {
  readonly collections?: readonly string[];
  readonly idPrefix?: string | readonly string[];
}

/** The whole library. */
export const WHOLE_LIBRARY: Query = {};

/**
 * An app's query or scope in wire form, or INVALID_ARGUMENT naming the
 * problem (`what` says where it came from: 'createSync query', 'scope').
 * `undefined` is the whole library.
 */
export function parseQuery(input: unknown, what: string): Query {
  if (input === undefined) return WHOLE_LIBRARY;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalidQuery(what, 'must be an object { collections?, idPrefix? }');
  const unknownKey = Object.keys(input).find((key) => key !== 'collections' && key !== 'idPrefix');
  if (unknownKey !== undefined) throw invalidQuery(what, `has an unknown key "${unknownKey}" (only collections and idPrefix)`);
  const { collections, idPrefix } = input as { collections?: unknown; idPrefix?: unknown };
  const wire = {
    ...(collections === undefined ? {} : { collections }),
    ...(idPrefix === undefined ? {} : { idPrefix: typeof idPrefix === 'string' ? [idPrefix] : idPrefix }),
  };
  const parsed = v.safeParse(QuerySchema, wire);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const at = v.getDotPath(issue) ?? '';
    throw invalidQuery(what, `${at === '' ? '' : `${at}: `}${issue.message}`);
  }
  return parsed.output;
}

function invalidQuery(what: string, problem: string): TrellisError {
  return new TrellisError(ErrorCode.INVALID_ARGUMENT, `${what} ${problem}.`, { details: { problem } });
}

/** Whether the document (collection, id) is in the query. */
export function matchesQuery(query: Query, collection: string, id: string): boolean {
  if (query.collections !== undefined && !query.collections.includes(collection)) return false;
  return query.idPrefix === undefined || query.idPrefix.some((prefix) => id.startsWith(prefix));
}

/** Whether the query is the whole library. */
export const isWholeLibrary = (query: Query): boolean => query.collections === undefined && query.idPrefix === undefined;

/**
 * The documents in both queries, as one query: the listed collections in
 * both, and of each pair of prefixes the longer where one extends the other.
 * A query wider than a token's scope is narrowed to it this way.
 */
export function intersectQueries(a: Query, b: Query): Query {
  const collections = a.collections === undefined ? b.collections : b.collections === undefined ? a.collections : a.collections.filter((c) => b.collections?.includes(c));
  const idPrefix = a.idPrefix === undefined ? b.idPrefix : b.idPrefix === undefined ? a.idPrefix : minimalPrefixes(pairwiseLonger(a.idPrefix, b.idPrefix));
  return { ...(collections === undefined ? {} : { collections: [...new Set(collections)] }), ...(idPrefix === undefined ? {} : { idPrefix }) };
}

function pairwiseLonger(a: readonly string[], b: readonly string[]): string[] {
  const out: string[] = [];
  for (const x of a) for (const y of b) if (x.startsWith(y)) out.push(x);
  else if (y.startsWith(x)) out.push(y);
  return out;
}

/** Without duplicates and without a prefix that extends another of the list (it adds nothing), sorted. */
function minimalPrefixes(prefixes: readonly string[]): string[] {
  const unique = [...new Set(prefixes)].sort();
  return unique.filter((p) => !unique.some((q) => q !== p && p.startsWith(q)));
}

/** Whether every document in `inner` is in `outer`. */
export function queryWithin(inner: Query, outer: Query): boolean {
  if (inner.collections?.length === 0 || inner.idPrefix?.length === 0) return true;
  if (outer.collections !== undefined && (inner.collections === undefined || !inner.collections.every((c) => outer.collections?.includes(c)))) return false;
  if (outer.idPrefix === undefined) return true;
  return inner.idPrefix !== undefined && inner.idPrefix.every((p) => outer.idPrefix?.some((q) => p.startsWith(q)));
}

/**
 * A query within `query` that fits the wire's limits: its lists cut to their
 * bounds. Cutting a list claims fewer documents, never more, so it is a safe
 * thing to say about what a replica holds (the server then sends some again).
 */
export function clampQuery(query: Query): Query {
  return {
    ...(query.collections === undefined ? {} : { collections: query.collections.slice(0, MAX_QUERY_COLLECTIONS) }),
    ...(query.idPrefix === undefined ? {} : { idPrefix: query.idPrefix.slice(0, MAX_QUERY_PREFIXES) }),
  };
}

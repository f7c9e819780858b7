/**
 * What a connection may receive and write (protocol/query.ts): its replica's
 * query narrowed to its token's scope. Every stream (catch-up, snapshot, the
 * widening part, live fan-out) sends only documents in it, and every push or
 * seed holding an op outside the scope is refused whole.
 *
 * A connection restored after hibernation without its saved query falls back
 * to its scope: it may then receive documents outside its query (it keeps
 * them), never outside its scope.
 */
import { ErrorCode } from '../../core/index.js';
import type { Op } from '../../core/index.js';
import { intersectQueries, isWholeLibrary, matchesQuery } from '../../protocol/index.js';
import type { HelloMessage, Query } from '../../protocol/index.js';
import type { ConnectionState, Refusal } from './context.js';
import { refuse } from './outbox.js';

/** Tells whether a document goes to this connection. */
export type DocFilter = (collection: string, id: string) => boolean;

/** Records the hello's query (and what the replica already holds, when it widened) on the connection, narrowed to the scope. */
export function setConnectionQuery(conn: ConnectionState, hello: HelloMessage): void {
  const scope = conn.claims?.scope ?? {};
  const query = intersectQueries(hello.query ?? {}, scope);
  conn.query = isWholeLibrary(query) ? undefined : query;
  conn.held = hello.held === undefined ? undefined : intersectQueries(hello.held, scope);
}

/** The query this connection is sent: undefined for the whole library (no filtering at all). */
export function connectionQuery(conn: ConnectionState): Query | undefined {
  if (conn.query !== undefined) return conn.query;
  const scope = conn.claims?.scope;
  return scope === undefined || isWholeLibrary(scope) ? undefined : scope;
}

/** Documents of the connection's query; undefined: every document. */
export function queryFilter(conn: ConnectionState): DocFilter | undefined {
  const query = connectionQuery(conn);
  return query === undefined ? undefined : (collection, id) => matchesQuery(query, collection, id);
}

/** A resume's catch-up: in the query and in what the replica already holds (the rest comes whole, see widenFilter). */
export function catchUpFilter(conn: ConnectionState): DocFilter | undefined {
  const query = connectionQuery(conn) ?? {};
  const held = conn.held;
  if (held === undefined) return queryFilter(conn);
  return (collection, id) => matchesQuery(query, collection, id) && matchesQuery(held, collection, id);
}

/** A resume's widening part: in the query, not in what the replica holds; undefined when it widened nothing. */
export function widenFilter(conn: ConnectionState): DocFilter | undefined {
  const held = conn.held;
  if (held === undefined) return undefined;
  const query = connectionQuery(conn) ?? {};
  return (collection, id) => matchesQuery(query, collection, id) && !matchesQuery(held, collection, id);
}

/** The entries this connection is sent of a push's (the array itself when all of them). */
export function entriesFor<T extends { readonly op: Op }>(conn: ConnectionState, entries: readonly T[]): readonly T[] {
  const filter = queryFilter(conn);
  if (filter === undefined) return entries;
  const kept = entries.filter(({ op }) => filter(op.collection, op.id));
  return kept.length === entries.length ? entries : kept;
}

/**
 * AUTH_SCOPE_FORBIDDEN when any of the documents is outside the token's
 * scope: the whole push or seed is refused and nothing of it is stored.
 * Per op would leave the writer's later ops on the same document waiting on
 * a refused one; a replica writes outside its scope only by a bug or on
 * purpose, and the error names the first such document.
 */
export function scopeRefusal(conn: ConnectionState, docs: Iterable<{ readonly collection: string; readonly id: string }>): Refusal | undefined {
  const scope = conn.claims?.scope;
  if (scope === undefined || isWholeLibrary(scope)) return undefined;
  for (const { collection, id } of docs) {
    if (matchesQuery(scope, collection, id)) continue;
    conn.ctx.log('warn', 'push.out-of-scope', { connection: conn.id, library: conn.library, replicaId: conn.replicaId, collection });
    return refuse(ErrorCode.AUTH_SCOPE_FORBIDDEN, `This token may write only inside its scope; ${collection}/${id} is outside it. Nothing of this push was stored: remove the write, or request a token whose scope covers it.`, {
      details: { collection, id, scope },
    });
  }
  return undefined;
}

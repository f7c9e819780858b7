/**
 * Files under a token's scope: a token with a scope is served a file (GET,
 * HEAD) only while a document inside its scope refers to it, as the garbage
 * collector counts references (files.ts): a baseline's materialized document,
 * or an op after the horizon. A file only out-of-scope documents refer to is
 * refused with AUTH_SCOPE_FORBIDDEN, so its existence is not disclosed
 * either. Uploads are not checked: bytes a replica sends disclose nothing,
 * and the op that refers to them is checked against the scope when pushed.
 */
import type { Json } from '../../core/index.js';
import { materialize } from '../../merge/index.js';
import { isWholeLibrary, matchesQuery } from '../../protocol/index.js';
import type { Query } from '../../protocol/index.js';
import { streamSizedBaselines } from './baselines.js';
import { streamOps } from './op-log.js';
import type { SqlStorage } from './types.js';

export function fileInScope(sql: SqlStorage, o: { library: string; id: string; scope: Query }): boolean {
  if (isWholeLibrary(o.scope)) return true;
  const only = (collection: string, id: string) => matchesQuery(o.scope, collection, id);
  for (const { baseline } of streamSizedBaselines(sql, o.library, only)) if (refersTo(materialize(baseline.state) ?? null, o.id)) return true;
  for (const { op } of streamOps(sql, { library: o.library, after: 0, only })) if (refersTo(op.change as unknown as Json, o.id)) return true;
  return false;
}

function refersTo(value: Json, id: string): boolean {
  if (typeof value === 'string') return value === id;
  if (Array.isArray(value)) return value.some((item) => refersTo(item, id));
  if (value !== null && typeof value === 'object') return Object.values(value).some((item) => refersTo(item as Json, id));
  return false;
}

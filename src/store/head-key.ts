/**
 * The in-memory key of one document, `collection` + NUL + `id`, for maps of
 * heads and ops by document. Collection names cannot contain NUL (the schema's
 * name rule and protocol/names.ts), so the FIRST NUL always ends the
 * collection: whatever an id holds, even one that bypassed the name checks,
 * it comes back whole and two documents never share a key. Ids are data,
 * never parsed.
 */

/** The key of document `id` of `collection`. */
export const headKey = (collection: string, id: string): string => `${collection}\u0000${id}`;

/** The collection and id of a headKey: split at the first NUL only. */
export function docOfHeadKey(key: string): [collection: string, id: string] {
  const at = key.indexOf('\u0000');
  return [key.slice(0, at), key.slice(at + 1)];
}

/**
 * The replication query on the client (protocol/query.ts). The store records
 * what it holds (`held`, a meta row beside the cursor): the query the server
 * last sent it everything of, up to the cursor. Before each hello:
 *
 * - narrowed (the store holds documents the query no longer asks for): those
 *   are dropped first (store/narrow.ts archives their unacknowledged own
 *   writes), and `held` shrinks to what is left;
 * - widened (the query asks for documents the store does not hold): the
 *   hello says `held`, and a resume brings the newly matching documents as
 *   `snapshot` frames after the catch-up, merged without a reset;
 *
 * and on `synced` (or a seed's, or a reset's, commit) `held` becomes what the
 * server said it sends (the decision's query: the query narrowed to the
 * token's scope).
 */
import { intersectQueries, queryWithin, clampQuery } from '../../protocol/index.js';
import type { Cursor, HelloMessage, Query, SnapshotMessage } from '../../protocol/index.js';
import type { Session } from './session.js';
import { withLink, withState } from './session.js';
import { next, type Step } from './next.js';

const WHOLE: Query = {};

/** The meta key of what the store holds of this library (beside its cursor `sync:<library>`). */
export const heldKeyOf = (cursorKey: string): string => `${cursorKey}:held`;

const sameQuery = (a: Query, b: Query): boolean => queryWithin(a, b) && queryWithin(b, a);

/**
 * Before the hello: the narrowing store call when the store holds documents
 * outside the query (then the hello is read again), else undefined. A store
 * without a cursor holds nothing the server sent (its hello asks for a reset
 * or an accept): nothing to drop.
 */
export function narrowFirst(s: Session, o: { cursor: Cursor | null; held: Query | undefined }): Step | undefined {
  const held = o.held ?? WHOLE;
  if (o.cursor === null || queryWithin(held, s.query)) return undefined;
  const kept = clampQuery(intersectQueries(held, s.query));
  return next(s, { type: 'store', call: { kind: 'narrow', held, query: s.query, meta: { [heldKeyOf(s.cursorKey)]: kept } } });
}

/** The hello's query fields, and the link's record of them. */
export function helloQuery(s: Session, o: { cursor: Cursor | null; held: Query | undefined }): { session: Session; fields: Pick<HelloMessage, 'query' | 'held'> } {
  const held = o.held ?? WHOLE;
  const widening = o.cursor !== null && !sameQuery(held, s.query);
  const fields = {
    ...(sameQuery(s.query, WHOLE) ? {} : { query: s.query }),
    ...(widening ? { held: clampQuery(held) } : {}),
  };
  return { session: withLink(s, { query: s.query, widening }), fields };
}

/** The meta row recording what the store holds once this connection's stream is complete. */
export function heldMeta(s: Session): Record<string, Query> {
  return { [heldKeyOf(s.cursorKey)]: s.link.holds ?? s.link.query ?? s.query };
}

/** The app set a new query: the next hello asks for it (now, by reconnecting, when connected). */
export function onSetQuery(s: Session, query: Query): Step {
  const set = { ...s, query };
  return s.open ? next(set, { type: 'reconnect' }) : next(set);
}

/** A chunk of the widening part of a resume (widen.ts on the server): merged into the store as it comes. */
export function onWidening(s: Session, message: SnapshotMessage): Step {
  const shown = withState(s, { progress: message.progress });
  if (message.baselines.length === 0 && message.ops.length === 0) return next(shown);
  return next(shown, { type: 'store', call: { kind: 'merge-snapshot', baselines: message.baselines, ops: message.ops } });
}

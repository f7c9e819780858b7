/**
 * A push's fresh ops, judged one by one in seq order against the documents
 * the server holds (check-write.ts). An op is judged against the state its
 * document has after the push's earlier accepted ops, and never after a
 * rejected one: a later op on the same document is accepted or rejected on
 * its own, as if the rejected op had never been written (the state the
 * writer's store rolls back to).
 */
import type { Op } from '../../core/index.js';
import type { Authority } from './check-write.js';
import { changeText } from './change-text.js';
import { checkWrite } from './check-write.js';
import type { ConnectionState } from './context.js';
import type { LibraryDocs, SizedState } from './doc-cache.js';
import { documentKey } from './op-log.js';
import type { Rejection } from './rejections.js';
import type { Claims } from './types.js';

export interface JudgedPush {
  readonly accepted: readonly Op[];
  readonly rejected: readonly Rejection[];
  /** Each touched document's state after the accepted ops, with a size estimate (doc-cache.ts). */
  readonly states: ReadonlyMap<string, SizedState>;
}

export function judgePush(conn: ConnectionState, o: { authority: Authority; docs: LibraryDocs; fresh: readonly Op[] }): JudgedPush {
  const { ctx } = conn;
  const claims = conn.claims as Claims;
  // The server API's writes (conn.trusted) meet the schema, never the rules: see ConnectionState.trusted.
  const authority: Authority = conn.trusted === true ? { schema: o.authority.schema, rules: undefined } : o.authority;
  const accepted: Op[] = [];
  const rejected: Rejection[] = [];
  const states = new Map<string, SizedState>();
  // Every touched document at once: cached, or read together (doc-cache.ts readMany).
  const keyed = o.fresh.map((op) => ({ collection: op.collection, id: op.id, key: documentKey(op.collection, op.id) }));
  const stored = o.docs.readMany(ctx.sql, keyed);
  for (const [i, op] of o.fresh.entries()) {
    const key = (keyed[i] as { key: string }).key;
    const held = states.get(key);
    const current = held ?? (stored.get(key) as SizedState);
    const before = current.state;
    const verdict = checkWrite(authority, { claims, op, before, log: ctx.log });
    if (!verdict.ok) {
      rejected.push({ op, code: verdict.code, message: verdict.message });
      ctx.log('info', 'push.rejected', { connection: conn.id, library: conn.library, replicaId: op.replicaId, seq: op.seq, collection: op.collection, code: verdict.code });
      // The document keeps its state (an entry, so the reject frame can say what it is now).
      if (held === undefined) states.set(key, current);
      continue;
    }
    accepted.push(op);
    states.set(key, { state: verdict.state, bytes: current.bytes + changeText(op).length });
  }
  return { accepted, rejected, states };
}

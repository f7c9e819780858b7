/** Own ops out: one push in flight at a time (its ack is handled in on-push.ts). */
import type { Op } from '../../core/index.js';
import { pushBatch } from '../../protocol/index.js';
import type { StoredEvent } from './events.js';
import { next, type Step } from './next.js';
import type { Session } from './session.js';
import { withLink } from './session.js';

/**
 * Pushes unacknowledged ops. `written` are ops this tab just committed: when
 * they directly follow the last batch pushed, they go out as they are,
 * without reading the log back (ops from other tabs, or after a gap, are read
 * from the log as usual).
 */
export function onPump(s: Session, written?: readonly Op[]): Step {
  if (s.state.phase !== 'live' || !s.open || s.link.pushing || s.link.pushBlocked) return next(s);
  const first = written?.[0];
  const last = s.link.pushedThrough;
  // A reset starts a new replica id at seq 1: the id must match too.
  const follows = first !== undefined && last !== undefined && first.replicaId === last.replicaId && first.seq === last.seq + 1;
  if (follows) return push(s, pushBatch(written as Op[]));
  return next(s, { type: 'store', call: { kind: 'read-unacknowledged', limit: 1000 } });
}

export function onUnacknowledgedRead(s: Session, e: Extract<StoredEvent, { call: { kind: 'read-unacknowledged' } }>): Step {
  if (s.state.phase !== 'live' || s.link.pushing || s.link.pushBlocked) return next(s);
  return push(s, pushBatch(e.value));
}

function push(s: Session, ops: readonly Op[]): Step {
  const last = ops.at(-1);
  if (last === undefined) return next(s);
  const pushing = withLink(s, { pushing: true, pushedThrough: { replicaId: last.replicaId, seq: last.seq } });
  return next(pushing, { type: 'send', message: { type: 'push', ops: [...ops] } });
}

/**
 * The server answers a push with one ack per run (duplicates first, then the
 * new ops), the last reaching the push's last op: only that one ends the push
 * in flight. An earlier run, or an ack seen twice, acknowledges and no more,
 * so a second push never overlaps the first.
 */

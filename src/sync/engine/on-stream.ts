/**
 * What the server streams: catch-up and live ops, snapshot chunks, `synced`
 * (the end of a catch-up, seed or snapshot: sync goes live) and the horizon.
 * Each store call's effect is durable before the next frame is looked at.
 */
import type { SnapshotMessage, OpsMessage } from '../../protocol/index.js';
import { seedOrder } from '../../protocol/index.js';
import type { StoredEvent } from './events.js';
import { offerCursor } from './cursors.js';
import { onPump } from './pump.js';
import type { Session } from './session.js';
import { LIBRARY_KEY, cursorValue, withLink, withState } from './session.js';
import { next, type Step } from './next.js';
import { heldMeta, onWidening } from './on-query.js';

export function onOps(s: Session, message: OpsMessage): Step {
  const epoch = s.link.epoch;
  if (message.ops.length === 0 || epoch === undefined) return next(s);
  const serverSeq = message.ops.reduce((max, e) => Math.max(max, e.serverSeq), s.link.cursor);
  const meta = { [s.cursorKey]: cursorValue({ epoch, serverSeq, serverId: s.link.serverId }) };
  return next(s, { type: 'store', call: { kind: 'apply-remote', entries: message.ops, meta, then: 'ops', serverSeq, progress: message.progress } });
}

export function onApplied(s: Session, e: Extract<StoredEvent, { call: { kind: 'apply-remote' } }>, current: boolean): Step {
  const { then, serverSeq, ackTo, progress } = e.call;
  if (then === 'seed') {
    // The server committed the seed (it said synced): its own ops are acknowledged, even if this connection closed since.
    if (ackTo) return next(s, { type: 'store', call: { kind: 'acknowledge', ack: { fromSeq: 1, toSeq: ackTo }, then: 'seed', serverSeq } });
    return current ? goLive(withLink(s, { seeded: undefined, cursor: serverSeq })) : next(s);
  }
  if (!current) return next(s);
  const applied = withLink(progress ? withState(s, { progress }) : s, { cursor: serverSeq });
  return applied.state.phase === 'live' ? offerCursor(applied, serverSeq) : next(applied);
}

export function onSnapshot(s: Session, message: SnapshotMessage): Step {
  const { snapshot, joiningAs } = s.link;
  // A resume after a widened query: the newly matching documents, merged as they come (on-query.ts).
  if (joiningAs === undefined && s.link.widening === true && s.state.phase === 'syncing') return onWidening(s, message);
  // Only a join this engine asked for (with consent) receives a snapshot.
  if (snapshot === undefined || joiningAs === undefined) return next(s);
  const chunks = [...snapshot, { baselines: message.baselines, ops: message.ops }];
  const buffered = withState(withLink(s, { snapshot: chunks }), { progress: message.progress });
  if (!message.done) return next(buffered);
  const call = {
    kind: 'reset-to-snapshot' as const,
    snapshot: { baselines: chunks.flatMap((c) => c.baselines), ops: chunks.flatMap((c) => c.ops) },
    replicaId: joiningAs,
    reason: s.link.reason ?? 'late-joiner',
    horizon: message.horizon,
    serverSeq: message.serverSeq,
    // The store is this library's from now on (recorded in the reset's own transaction).
    meta: { [s.cursorKey]: cursorValue({ epoch: message.epoch, serverSeq: message.serverSeq, serverId: s.link.serverId }), [LIBRARY_KEY]: s.library, ...heldMeta(s) },
  };
  return next(buffered, { type: 'store', call });
}

export function onReset(s: Session, e: Extract<StoredEvent, { call: { kind: 'reset-to-snapshot' } }>, current: boolean): Step {
  const { replicaId, serverSeq } = e.call;
  // The store has its new identity whatever happened to the connection: no fork is left.
  const reset: Session = { ...s, forked: false, otherLibrary: undefined, replicaId, acked: { replicaId, seq: 0 } };
  if (!current) return next(reset);
  return next(withLink(reset, { snapshot: undefined, cursor: serverSeq, pushedThrough: undefined }));
}

export function onSynced(s: Session, serverSeq: number): Step {
  const { epoch, seeded, seededUpTo } = s.link;
  if (epoch === undefined) return next(s);
  if (seeded) {
    // The server numbered the seed's ops 1..n in this order; record that, and our own ops as acknowledged.
    const entries = seedOrder(seeded).map((op, i) => ({ serverSeq: i + 1, op }));
    const meta = { [s.cursorKey]: cursorValue({ epoch, serverSeq, serverId: s.link.serverId }), ...heldMeta(s) };
    return next(s, { type: 'store', call: { kind: 'apply-remote', entries, meta, then: 'seed', serverSeq, ackTo: seededUpTo } });
  }
  const cursor = Math.max(s.link.cursor, serverSeq);
  return next(s, { type: 'store', call: { kind: 'write-meta', entries: { [s.cursorKey]: cursorValue({ epoch, serverSeq: cursor, serverId: s.link.serverId }), ...heldMeta(s) }, then: 'synced', serverSeq: cursor } });
}

export function onMetaWritten(s: Session, e: Extract<StoredEvent, { call: { kind: 'write-meta' } }>): Step {
  if (e.call.then === 'record') return next(s);
  return goLive(withLink(s, { cursor: e.call.serverSeq ?? s.link.cursor }));
}

/** After a seed's acknowledgement. */
export function afterSeedAcknowledged(s: Session, serverSeq: number): Step {
  return goLive(withLink(s, { seeded: undefined, cursor: serverSeq }));
}

/** Live: the join (if any) is done, waiting joins resolve, the cursor goes out, pushing starts. */
function goLive(s: Session): Step {
  const { error: _cleared, progress: _done, joinRequired: _joined, ...rest } = s.state;
  const live: Session = { ...withLink(s, { joiningAs: undefined }), state: { ...rest, phase: 'live' }, joinWaiters: 0, consent: undefined };
  const settle = s.joinWaiters > 0 ? [{ type: 'settle-joins' as const }] : [];
  const pumped = onPump(live);
  return next(pumped.session, { type: 'send', message: { type: 'cursor', serverSeq: s.link.cursor } }, ...settle, ...pumped.effects);
}

export function onHorizon(s: Session, serverSeq: number): Step {
  return next(s, { type: 'store', call: { kind: 'compact', horizon: serverSeq } });
}


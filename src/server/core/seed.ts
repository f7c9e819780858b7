/**
 * Seed: after an `accept`, the replica's whole history becomes the library's.
 * Chunks are buffered; the last one commits everything in one transaction.
 */
import { ErrorCode, sameOp } from '../../core/index.js';
import type { Baseline, Op } from '../../core/index.js';
import { mergeStates } from '../../merge/index.js';
import { MAX_BASELINE_BYTES, baselineFits, highestSeq, opHash, opKey, seedOrder } from '../../protocol/index.js';
import type { SeedMessage } from '../../protocol/index.js';
import { writeBaseline } from './baselines.js';
import type { ConnectionState, Refusal, SeedBuffer } from './context.js';
import { setHead, setHorizon } from './libraries.js';
import { insertOp } from './op-log.js';
import { refuse } from './outbox.js';
import { oversizedOpRefusal } from './size-guard.js';
import { forgetOtherReplicas, registerReplica, setMaxSeq } from './replicas.js';

export function createSeedBuffer(): SeedBuffer {
  return { baselines: [], ops: [], bytes: 0 };
}

/** Buffers one chunk, or refuses it when the seed outgrows the server's limit. */
export function bufferSeed(buffer: SeedBuffer, chunk: { message: SeedMessage; bytes: number; limit: number }): Refusal | undefined {
  buffer.bytes += chunk.bytes;
  if (buffer.bytes > chunk.limit) {
    return refuse(ErrorCode.SERVER_LIMIT_EXCEEDED, `A seed holds at most ${chunk.limit} bytes; the seed was dropped.`, {
      details: { limit: chunk.limit },
    });
  }
  const oversized = oversizedOpRefusal(chunk.message.ops, 'seed');
  if (oversized !== undefined) return oversized;
  for (const baseline of chunk.message.baselines) buffer.baselines.push(baseline);
  for (const op of chunk.message.ops) buffer.ops.push(op);
  return undefined;
}

export interface PreparedSeed {
  /** Distinct ops, ordered by (ts, replicaId, seq): a causal order for the server seqs. */
  readonly ops: readonly Op[];
  /** One state per document. */
  readonly baselines: ReadonlyMap<string, Baseline>;
}

/** Drops repeated ops, refuses a forked one, merges repeated baselines. */
export function prepareSeed(buffer: SeedBuffer): PreparedSeed | Refusal {
  const byKey = new Map<string, Op>();
  for (const op of buffer.ops) {
    const key = opKey(op);
    const known = byKey.get(key);
    if (known !== undefined && !sameOp(known, op)) {
      return refuse(ErrorCode.FORK_DETECTED, `The seed holds two different ops ${key}; the seed was dropped.`, {
        details: { replicaId: op.replicaId, seq: op.seq },
      });
    }
    byKey.set(key, op);
  }
  // The protocol's order: the seeder numbers the seeded ops the same way without being told.
  const ops = seedOrder([...byKey.values()]);
  const baselines = new Map<string, Baseline>();
  for (const baseline of buffer.baselines) {
    const key = JSON.stringify([baseline.collection, baseline.id]);
    const known = baselines.get(key);
    baselines.set(key, known === undefined ? baseline : { ...baseline, state: mergeStates(known.state, baseline.state) });
  }
  for (const baseline of baselines.values()) {
    // An honest seeder sends a document too large for one baseline as ops (historyThatFits); one stored could never be sent.
    if (baselineFits(baseline)) continue;
    return refuse(ErrorCode.PROTOCOL_BASELINE_TOO_LARGE, `A baseline holds at most ${MAX_BASELINE_BYTES} bytes of JSON; seed this document's writes as ops. The seed was dropped.`, {
      details: { collection: baseline.collection, id: baseline.id, limit: MAX_BASELINE_BYTES },
    });
  }
  return { ops, baselines };
}

/**
 * Writes the seed in one transaction; returns the library's new head. The
 * epoch stays: it changes only when the library row is created (new or
 * evicted). When the seed stores anything, the other replicas registered on
 * the empty library (they hold no ops) are forgotten, so they come back as
 * late joiners and reset to the seeded history.
 */
export function commitSeed(conn: ConnectionState, seed: PreparedSeed): number {
  const { ctx } = conn;
  const replicaId = conn.replicaId as string;
  const library = conn.library;
  return ctx.sql.transaction(() => {
    seed.ops.forEach((op, i) => insertOp(ctx.sql, { library, entry: { serverSeq: i + 1, op } }));
    for (const b of seed.baselines.values()) writeBaseline(ctx.sql, { library, collection: b.collection, id: b.id, state: b.state });
    const head = seed.ops.length;
    setHead(ctx.sql, { library, headSeq: head });
    setHorizon(ctx.sql, { library, horizon: 0 });
    if (head > 0 || seed.baselines.size > 0) forgetOtherReplicas(ctx.sql, { library, replica: replicaId });
    const ownMax = highestSeq({ ops: seed.ops, baselines: seed.baselines.values() }, replicaId);
    const user = conn.claims?.user ?? '';
    const maxSeq = Math.max(ownMax, conn.localSeq);
    registerReplica(ctx.sql, { library, replica: replicaId, user, now: ctx.now(), ackedSeq: head, maxSeq });
    // The op at maxSeq may have travelled inside a baseline (compacted before any sync): then no hash.
    const last = seed.ops.find((op) => op.replicaId === replicaId && op.seq === maxSeq);
    setMaxSeq(ctx.sql, { library, replica: replicaId, maxSeq, lastHash: last === undefined ? null : opHash(last) });
    return head;
  });
}

/** fast-check arbitraries of valid wire messages (what a correct peer may send). */
import fc from 'fast-check';
import { ErrorCode, formatTimestamp } from '../../src/core/index.js';
import type { Change, Json, JsonObject } from '../../src/core/index.js';
import { MAX_TIMESTAMP_MS, PROTOCOL_VERSION, isBoundedJson } from 'trellis/protocol';
import type { ClientMessage, ServerMessage } from 'trellis/protocol';

/** As a value looks after a trip through JSON (no -0, `__proto__` as data), then kept only if the protocol allows it. */
const wireJson = fc
  .jsonValue({ maxDepth: 3 })
  .map((value) => JSON.parse(JSON.stringify(value)) as Json)
  .filter((value) => isBoundedJson(value));
const wireObject = fc.dictionary(fc.string({ maxLength: 8 }), wireJson, { maxKeys: 4 }).map((o) => JSON.parse(JSON.stringify(o)) as JsonObject).filter((o) => isBoundedJson(o));

export const replicaId = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
const seq = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER });
const count = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const ts = fc.record({ ms: fc.integer({ min: 0, max: MAX_TIMESTAMP_MS }), counter: fc.integer({ min: 0, max: 36 ** 4 - 1 }) }).map(formatTimestamp);
const name = fc.string({ minLength: 1, maxLength: 12 });
const segment = name.filter((s) => s !== '__proto__' && s !== 'constructor' && s !== 'prototype');
const path = fc.array(segment, { minLength: 1, maxLength: 4 });
const pos = fc.string({ minLength: 1, maxLength: 12 });
const epoch = fc.string({ minLength: 1, maxLength: 64 });

export const change: fc.Arbitrary<Change> = fc.oneof(
  fc.record({ kind: fc.constant('put' as const), value: wireObject }),
  fc.record({ kind: fc.constant('set' as const), path, value: wireJson }),
  fc.record({ kind: fc.constant('unset' as const), path }),
  fc.constant({ kind: 'delete' as const }),
  fc.record({ kind: fc.constant('list-insert' as const), path, item: name, pos, value: wireJson }),
  fc.record({ kind: fc.constant('list-remove' as const), path, item: name }),
  fc.record({ kind: fc.constant('list-move' as const), path, item: name, pos }),
  fc.record({ kind: fc.constant('inc' as const), path, by: fc.oneof(fc.integer(), fc.constantFrom(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 0)) }),
);

export const op = fc.record({ replicaId, seq, ts, collection: name, id: name, change });
const serverOp = fc.record({ serverSeq: seq, op });
const docState = fc.record({
  entries: fc.array(fc.record({ stamp: fc.tuple(ts, replicaId).map(([t, r]) => t + r), seq, change }), { maxLength: 3 }),
});
const baseline = fc.record({ collection: name, id: name, state: docState, replicaId, ts });
const progress = fc.record({ received: count, total: count });
const small = <T>(item: fc.Arbitrary<T>) => fc.array(item, { maxLength: 3 });
/** A replication query (protocol/query.ts): either list may be absent or empty. */
const query = fc.record({ collections: small(name), idPrefix: small(name) }, { requiredKeys: [] });

export const clientMessage: fc.Arbitrary<ClientMessage> = fc.oneof(
  fc.record({
    type: fc.constant('hello' as const),
    protocol: fc.constant(PROTOCOL_VERSION),
    replicaId,
    cursor: fc.option(fc.record({ epoch, serverSeq: count }), { nil: null }),
    localSeq: count,
    atRisk: count,
    schemaVersion: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    query,
    held: query,
  }, { requiredKeys: ['type', 'protocol', 'replicaId', 'cursor', 'localSeq', 'atRisk'] }),
  fc.record({ type: fc.constant('seed' as const), baselines: small(baseline), ops: small(op), done: fc.boolean() }),
  fc.record({ type: fc.constant('push' as const), ops: fc.array(op, { minLength: 1, maxLength: 3 }) }),
  fc.record({ type: fc.constant('cursor' as const), serverSeq: count }),
  fc.record({ type: fc.constant('join' as const), replicaId }),
);

const decisionFields = { type: fc.constant('decision' as const), epoch, serverSeq: count, horizon: count, replicaSeq: count };
const detailKey = fc.string({ maxLength: 8 }).filter((k) => k !== '__proto__' && k !== 'constructor' && k !== 'prototype');

export const serverMessage: fc.Arbitrary<ServerMessage> = fc.oneof(
  fc.record({ ...decisionFields, decision: fc.constantFrom('accept' as const, 'resume' as const) }),
  fc.record({ ...decisionFields, decision: fc.constant('reset' as const), reason: fc.constantFrom('late-joiner' as const, 'truant' as const, 'library-reset' as const) }),
  fc.record({ type: fc.constant('ops' as const), ops: small(serverOp), progress }, { requiredKeys: ['type', 'ops'] }),
  fc.record({ type: fc.constant('synced' as const), serverSeq: count }),
  fc.record({ type: fc.constant('ack' as const), replicaId, fromSeq: seq, toSeq: seq, firstServerSeq: count }),
  fc.record({
    type: fc.constant('snapshot' as const),
    epoch,
    serverSeq: count,
    horizon: count,
    baselines: small(baseline),
    ops: small(serverOp),
    progress,
    done: fc.boolean(),
  }),
  fc.record({ type: fc.constant('horizon' as const), serverSeq: count }),
  fc.record(
    {
      type: fc.constant('error' as const),
      code: fc.constantFrom(...Object.values(ErrorCode)),
      message: fc.string(),
      details: fc.dictionary(detailKey, wireJson, { maxKeys: 3 }),
    },
    { requiredKeys: ['type', 'code', 'message'] },
  ),
);

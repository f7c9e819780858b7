/** The shell's side of a store call: runs it on the store host and returns what the engine continues with. */
import { unexpectedCase } from '../../core/index.js';
import { matchesQuery } from '../../protocol/index.js';
import type { Cursor, Query } from '../../protocol/index.js';
import { heldKeyOf } from './on-query.js';
import type { StoreHost } from '../../store/index.js';
import type { StoreCall, StoreValues } from './effects.js';
import { FORKED_FROM_KEY, LIBRARY_KEY } from './session.js';

export async function runStoreCall(host: StoreHost, call: StoreCall, cursorKey: string): Promise<StoreValues[StoreCall['kind']]> {
  switch (call.kind) {
    case 'read-local':
      return { replicaId: await host.replicaId(), ackedSeq: await host.acknowledgedSeq(), library: await host.readMeta<string>(LIBRARY_KEY) };
    case 'read-hello':
      return {
        cursor: (await host.readMeta<Cursor>(cursorKey)) ?? null,
        replicaId: await host.replicaId(),
        localSeq: await host.localSeq(),
        atRisk: await host.countAtRisk(),
        ackedSeq: await host.acknowledgedSeq(),
        schemaVersion: host.schemaVersion,
        held: await host.readMeta<Query>(heldKeyOf(cursorKey)),
      };
    case 'export-history':
      return host.exportHistory();
    case 'read-own-op':
      return host.readOwnOp(call.seq);
    case 'new-replica-id':
      return host.createId();
    case 'acknowledge':
      return void (await host.acknowledge(call.ack));
    case 'unacknowledge':
      return void (await host.writeMeta({ [FORKED_FROM_KEY]: { replicaId: call.replicaId, seq: call.fromSeq } }));
    case 'count-at-risk':
      return host.countAtRisk();
    case 'reset-to-snapshot': {
      const { snapshot, replicaId, reason, horizon, meta } = call;
      return void (await host.resetToSnapshot(snapshot, { replicaId, reason, horizon, meta }));
    }
    case 'apply-remote':
      return void (await host.applyRemote(call.entries, call.meta));
    case 'write-meta':
      return void (await host.writeMeta(call.entries));
    case 'compact':
      return void (await host.compact({ horizon: call.horizon }));
    case 'read-unacknowledged':
      return host.readUnacknowledged(call.limit);
    case 'roll-back': {
      const { seq, collection, id, state } = call.rejection;
      return host.rollBack({ seq, collection, id, ...(state ? { state } : {}) });
    }
    case 'narrow': {
      const { held, query, meta } = call;
      return void (await host.narrow({ drop: (collection, id) => matchesQuery(held, collection, id) && !matchesQuery(query, collection, id), meta }));
    }
    case 'merge-snapshot':
      return void (await host.mergeSnapshot({ baselines: call.baselines, ops: call.ops }));
    default:
      return unexpectedCase(call);
  }
}

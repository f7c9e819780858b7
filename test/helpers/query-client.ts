/** Raw-protocol helpers for replication query and scope tests (test/integration/replication-queries, token-scopes). */
import { PROTOCOL_VERSION } from 'trellis/protocol';
import type { Cursor, DecisionMessage, Query, ServerOp } from 'trellis/protocol';
import type { ProtocolClient } from './protocol-client.js';

/** Sends a hello of the current protocol with a query (and what the replica holds), and returns the decision. */
export async function helloWith(client: ProtocolClient, o: { replicaId: string; cursor?: Cursor | null; query?: Query; held?: Query; localSeq?: number }): Promise<DecisionMessage> {
  client.send({
    type: 'hello',
    protocol: PROTOCOL_VERSION,
    replicaId: o.replicaId,
    cursor: o.cursor ?? null,
    localSeq: o.localSeq ?? 0,
    atRisk: 0,
    ...(o.query ? { query: o.query } : {}),
    ...(o.held ? { held: o.held } : {}),
  });
  return client.next('decision');
}

/** Every op a client received in `snapshot` and `ops` frames from index `from` on (baselines as their keys). */
export function receivedOps(client: ProtocolClient, from = 0): ServerOp[] {
  return client.received.slice(from).flatMap((m) => (m.type === 'ops' || m.type === 'snapshot' ? m.ops : []));
}

/** Waits until the client received an op of this document (the sentinel: every frame before it has arrived). */
export async function until(client: ProtocolClient, o: { collection: string; id: string }): Promise<void> {
  for (;;) {
    const { ops } = await client.next('ops');
    if (ops.some((e) => e.op.collection === o.collection && e.op.id === o.id)) return;
  }
}


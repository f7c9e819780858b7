import type { ProtocolClient } from './protocol-client.js';
import type { ServerUnderTest } from './servers.js';
import { wireOps } from './wire-ops.js';

/** Two raw clients live on library `team`: A seeded it with one op, B joined as B2. */
export async function livePair(server: ServerUnderTest): Promise<{ a: ProtocolClient; b: ProtocolClient }> {
  const a = await server.connect('team');
  await a.hello({ replicaId: 'A', localSeq: 1, atRisk: 1 });
  a.send({ type: 'seed', baselines: [], ops: wireOps('A', 1, 1), done: true });
  await a.next('synced');
  const b = await server.connect('team');
  await b.hello({ replicaId: 'B' });
  b.send({ type: 'join', replicaId: 'B2' });
  await b.next('synced');
  return { a, b };
}

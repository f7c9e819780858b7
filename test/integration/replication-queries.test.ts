/**
 * Replication queries on the wire: a replica that says a query in its hello
 * receives exactly the documents of that query, through the snapshot of its
 * join, live ops and a resume's catch-up, checked against a reference filter
 * written here (not the protocol's matchesQuery) with random queries, ids and
 * writes.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import type { Query } from 'trellis/protocol';
import type { Op } from 'trellis';
import { servers } from '../helpers/servers.js';
import type { ServerUnderTest } from '../helpers/servers.js';
import { helloWith, receivedOps, until } from '../helpers/query-client.js';
import { wireOp } from '../helpers/wire-ops.js';

/** The reference: the words, as plainly as possible. */
function inQuery(query: Query, op: { collection: string; id: string }): boolean {
  const listed = query.collections === undefined || query.collections.indexOf(op.collection) >= 0;
  let prefixed = query.idPrefix === undefined;
  for (const prefix of query.idPrefix ?? []) if (op.id.slice(0, prefix.length) === prefix) prefixed = true;
  return listed && prefixed;
}

const key = (op: Op) => `${op.replicaId}#${op.seq}`;

const collectionArb = fc.constantFrom('todos', 'notes');
const idArb = fc.stringMatching(/^(p1|p2|p10|q)(\/[ab]{0,2})?$/);
const writeArb = fc.record({ collection: collectionArb, id: idArb });
const queryArb = fc.record(
  {
    collections: fc.uniqueArray(collectionArb, { minLength: 1, maxLength: 2 }),
    idPrefix: fc.uniqueArray(fc.constantFrom('p', 'p1', 'p1/', 'p10', 'p2/', 'q', 'p1/a'), { minLength: 1, maxLength: 3 }),
  },
  { requiredKeys: [] },
);

interface Scenario {
  readonly query: Query;
  readonly seeded: readonly { collection: string; id: string }[];
  readonly live: readonly { collection: string; id: string }[];
  readonly away: readonly { collection: string; id: string }[];
}

async function runScenario(server: ServerUnderTest, library: string, s: Scenario): Promise<void> {
  let seq = 0;
  const opsOf = (writes: Scenario['seeded']) => writes.map((w) => wireOp({ replicaId: 'A', seq: ++seq, ...w }));
  // The sentinel is in the query by construction: once it arrives, every frame before it has.
  const sentinel = () => ({ collection: s.query.collections?.[0] ?? 'todos', id: `${s.query.idPrefix?.[0] ?? ''}~sentinel-${seq + 1}` });
  const a = await server.connect(library);
  const seeded = opsOf(s.seeded);
  expect((await helloWith(a, { replicaId: 'A', localSeq: seeded.length })).decision).toBe('accept');
  a.send({ type: 'seed', baselines: [], ops: seeded, done: true });
  await a.next('synced');

  const b = await server.connect(library, { user: 'bob' });
  const decision = await helloWith(b, { replicaId: 'B', query: s.query });
  expect(decision.decision).toBe('reset');
  // The decision says the query the server sends (the whole library: none).
  expect(decision.query ?? {}).toEqual(s.query);
  b.send({ type: 'join', replicaId: 'B2' });
  await b.next('synced');

  const live = [...opsOf(s.live), ...opsOf([sentinel()])];
  a.send({ type: 'push', ops: live });
  await a.next('ack');
  await until(b, live.at(-1) as Op);
  const seen = receivedOps(b).map((e) => e.serverSeq);
  await b.close();

  const away = [...opsOf(s.away), ...opsOf([sentinel()])];
  a.send({ type: 'push', ops: away });
  await a.next('ack');
  const back = await server.connect(library, { user: 'bob' });
  const cursor = { epoch: decision.epoch, serverSeq: Math.max(decision.serverSeq, ...seen) };
  expect(await helloWith(back, { replicaId: 'B2', cursor, query: s.query })).toMatchObject({ decision: 'resume' });
  await back.next('synced');

  const all = [...seeded, ...live, ...away];
  const expected = all.filter((op) => inQuery(s.query, op)).map(key).sort();
  const got = [...receivedOps(b), ...receivedOps(back)].map((e) => key(e.op));
  expect(new Set(got).size).toBe(got.length);
  expect(got.sort()).toEqual(expected);
}

describe.each(servers)('replication queries ($name)', (factory) => {
  test('a partial replica receives exactly its query through the snapshot, live ops and catch-up (random queries, ids and writes)', async () => {
    const server = await factory.start();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        queryArb,
        fc.array(writeArb, { minLength: 1, maxLength: 12 }),
        fc.array(writeArb, { maxLength: 8 }),
        fc.array(writeArb, { maxLength: 8 }),
        async (query, seeded, live, away) => runScenario(server, `lib-${++run}`, { query, seeded, live, away }),
      ),
      // Each run is a real library on a real server: few runs, each of many documents and three paths.
      { numRuns: 25 },
    );
  }, 120_000);

  test('a replica without a query (and a client of protocol 4) still receives the whole library', async () => {
    const server = await factory.start();
    await runScenario(server, 'whole', { query: {}, seeded: [{ collection: 'notes', id: 'x' }], live: [{ collection: 'todos', id: 'p1/a' }], away: [{ collection: 'notes', id: 'q' }] });
    const old = await server.connect('whole', { user: 'carl' });
    expect((await old.hello({ replicaId: 'C', protocol: 4 })).decision).toBe('reset');
    old.send({ type: 'join', replicaId: 'C2' });
    await old.next('synced');
    expect(receivedOps(old)).toHaveLength(5);
  });
});

/**
 * The adapters schedule compaction slices themselves: one cursor over a
 * backlog larger than a slice (limits.compactSliceOps) compacts all of it
 * with no further message from any client. Node runs the next slice with
 * setImmediate (src/server/node/compaction-loop.ts), so frames that arrive
 * meanwhile are served between slices; a Durable Object sets an alarm due
 * now (periodic compaction off here, so only that alarm can continue). An
 * operator's compact() is one slice too, and the server runs the rest.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, onTestFinished, test } from 'vitest';
import { createTokenProvider } from 'trellis/server';
import { createNodeServer } from 'trellis/server/node';
import type { ProtocolClient } from '../helpers/protocol-client.js';
import { openClient } from '../helpers/protocol-client.js';
import { TEST_SECRET, cloudflareServer, servers } from '../helpers/servers.js';
import type { ServerUnderTest } from '../helpers/servers.js';
import { wireOps } from '../helpers/wire-ops.js';

/** Ops per push frame while building a backlog (well under the frame limit). */
const PUSH_OPS = 500;

/** Takes `horizon` messages until one reaches `serverSeq`. */
async function horizonReaches(client: ProtocolClient, serverSeq: number): Promise<void> {
  while ((await client.next('horizon')).serverSeq !== serverSeq);
}

/**
 * A seeds one op, B joins as B2, A pushes `backlog` more ops (each its own
 * document), then C joins as C2 at the head. Nobody has sent a cursor, so
 * B2 holds the horizon at 1: the whole backlog waits for B's cursor.
 */
async function backlogLibrary(connect: () => Promise<ProtocolClient>, backlog: number) {
  const a = await connect();
  await a.hello({ replicaId: 'A', localSeq: 1, atRisk: 1 });
  a.send({ type: 'seed', baselines: [], ops: wireOps('A', 1, 1), done: true });
  await a.next('synced');
  const b = await connect();
  await b.hello({ replicaId: 'B' });
  b.send({ type: 'join', replicaId: 'B2' });
  await b.next('synced');
  for (let from = 2; from <= backlog + 1; from += PUSH_OPS) {
    const to = Math.min(from + PUSH_OPS - 1, backlog + 1);
    a.send({ type: 'push', ops: wireOps('A', from, to) });
    expect(await a.next('ack')).toMatchObject({ toSeq: to });
  }
  const c = await connect();
  await c.hello({ replicaId: 'C' });
  c.send({ type: 'join', replicaId: 'C2' });
  expect((await c.next('synced')).serverSeq).toBe(backlog + 1);
  return { a, b, c, head: backlog + 1 };
}

describe.runIf(servers.some((s) => s.name === 'node'))('node: compaction slices run from the event loop', () => {
  const SLICE = 100;
  const BACKLOG = 1000;

  test('one cursor compacts a backlog of eleven slices with no further cursor, and a push that arrives after the first slice is stored between two slices', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trellis-slices-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const dbPath = join(dir, 'trellis.sqlite');
    // The server's log, in the order the server did things (it runs in this process, synchronously).
    const events: { event: string; fields: Record<string, unknown> }[] = [];
    let afterFirstSlice: (() => void) | undefined;
    const node = await createNodeServer({
      port: 0,
      dbPath,
      secret: TEST_SECRET,
      // No periodic compaction: only the loop's deferred slices can finish the backlog.
      compactIntervalMs: 0,
      limits: { compactSliceOps: SLICE, compactEveryOps: 1 },
      log: (_level, event, fields) => {
        if (event !== 'library.compacted' && event !== 'push.stored') return;
        events.push({ event, fields });
        if (event !== 'library.compacted' || fields.more !== true) return;
        afterFirstSlice?.();
        afterFirstSlice = undefined;
      },
    });
    onTestFinished(() => node.close());
    const tokens = createTokenProvider({ secret: TEST_SECRET });
    const connect = async () => openClient({ url: node.url, library: 'team', token: await tokens.issue({ library: 'team', user: 'ada', role: 'write', expiresIn: '1h' }) });
    const { a, b, c, head } = await backlogLibrary(connect, BACKLOG);
    events.length = 0;

    // C's push leaves while the server is still inside the first slice (this callback runs in it).
    afterFirstSlice = () => c.send({ type: 'push', ops: wireOps('C2', 1, 1) });
    b.send({ type: 'cursor', serverSeq: head });
    await horizonReaches(a, head);

    const slices = events.filter((e) => e.event === 'library.compacted').map((e) => e.fields);
    expect(slices).toHaveLength(Math.ceil(head / SLICE));
    expect(slices.every((s) => (s.squashed as number) <= SLICE)).toBe(true);
    expect(slices.reduce((sum, s) => sum + (s.squashed as number), 0)).toBe(head);
    expect(slices.at(-1)).toMatchObject({ horizon: head, more: false });
    // Positive signal of the order: the push is logged after the first slice and before the last.
    const order = events.map((e) => e.event);
    const pushAt = order.indexOf('push.stored');
    expect(pushAt).toBeGreaterThan(order.indexOf('library.compacted'));
    expect(pushAt).toBeLessThan(order.lastIndexOf('library.compacted'));
    expect(await c.next('ack')).toMatchObject({ firstServerSeq: head + 1 });
    // On A's socket too: C's op was fanned out before the horizon that ended the backlog.
    const kinds = a.received.map((m) => (m.type === 'ops' ? `ops ${m.ops.map((o) => o.serverSeq).join()}` : m.type === 'horizon' ? `horizon ${m.serverSeq}` : m.type));
    expect(kinds.indexOf(`ops ${head + 1}`)).toBeGreaterThanOrEqual(0);
    expect(kinds.indexOf(`ops ${head + 1}`)).toBeLessThan(kinds.indexOf(`horizon ${head}`));

    const db = new Database(dbPath, { readonly: true });
    onTestFinished(() => void db.close());
    // Every op at or below the horizon is a baseline now; C's op, above it, stays in the log.
    expect(db.prepare('SELECT server_seq FROM ops ORDER BY server_seq').all()).toEqual([{ server_seq: head + 1 }]);
    expect(db.prepare('SELECT COUNT(*) AS n FROM baselines').get()).toEqual({ n: head });
  });
});

describe.runIf(servers.some((s) => s.name === 'cloudflare'))('cloudflare: compaction slices continue on an alarm', () => {
  /** The Durable Object's slice is the default limits.compactSliceOps (1000): three slices. */
  const BACKLOG = 2500;

  test('one cursor compacts a backlog of three slices on the Durable Object, with periodic compaction off and no further cursor', async () => {
    const server = await cloudflareServer.start();
    const { b, head } = await backlogLibrary(() => server.connect('team'), BACKLOG);

    b.send({ type: 'cursor', serverSeq: head });
    await horizonReaches(b, head);

    const slices = (await server.logs()).filter((l) => l.event === 'library.compacted').map((l) => l.fields);
    expect(slices.map((s) => s.more)).toEqual([true, true, false]);
    expect(slices.map((s) => s.squashed)).toEqual([1000, 1000, head - 2000]);
    expect(await server.query('team', 'SELECT COUNT(*) AS n FROM ops')).toEqual([{ n: 0 }]);
    expect(await server.query('team', 'SELECT COUNT(*) AS n FROM baselines')).toEqual([{ n: head }]);
    // Nothing left to compact and periodic compaction off: no alarm stays behind.
    expect(await server.pendingAlarm('team')).toBeNull();
  });
});

describe.each(servers)('compact() on demand ($name)', (factory) => {
  /** The default limits.compactSliceOps is 1000: three slices. */
  const BACKLOG = 2500;

  test('one compact() call over a single writer\'s backlog of three slices compacts all of it, with periodic compaction off and no further call', async () => {
    const server: ServerUnderTest = await factory.start();
    const a = await server.connect('solo');
    await a.hello({ replicaId: 'A', localSeq: 1, atRisk: 1 });
    a.send({ type: 'seed', baselines: [], ops: wireOps('A', 1, 1), done: true });
    await a.next('synced');
    for (let from = 2; from <= BACKLOG + 1; from += PUSH_OPS) {
      const to = Math.min(from + PUSH_OPS - 1, BACKLOG + 1);
      a.send({ type: 'push', ops: wireOps('A', from, to) });
      expect(await a.next('ack')).toMatchObject({ toSeq: to });
    }
    const head = BACKLOG + 1;

    // The only replica wrote every op, so all of them may be squashed; one call squashes the first slice.
    expect(await server.compact('solo')).toEqual([{ library: 'solo', horizon: 1000, squashed: 1000, more: true }]);
    await horizonReaches(a, head);
    expect(await server.query('solo', 'SELECT COUNT(*) AS n FROM ops')).toEqual([{ n: 0 }]);
    expect(await server.query('solo', 'SELECT COUNT(*) AS n FROM baselines')).toEqual([{ n: head }]);
  });
});

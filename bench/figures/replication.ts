/**
 * Server-to-server replication (issue 15), two Node servers on 127.0.0.1, B peered with A:
 *
 * - lag: a replica of A pushes one op until a replica of B receives it (A stores it, forwards it
 *   on the peer link, B stores it and fans it out), against the same push frame relayed over two
 *   plain `ws` hops (a relay, a bridge socket, a second relay);
 * - catch-up: an empty server B starts with A as its peer and receives a 10,000-document library
 *   (compacted on A, so it travels as baselines) until B logs the exchange done, against the same
 *   documents as JSON frames over a plain WebSocket inserted into better-sqlite3, a transaction a frame.
 *
 * Replicas here speak the wire protocol (bench/harness/protocol-peer.ts): the client's own time to
 * show an op in a query is what `propagation` measures, so this one isolates what peering adds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { SNAPSHOT_CHUNK_BYTES, encodeMessage } from '../../src/protocol/index.js';
import { createNodeServer } from '../../src/server/node/index.js';
import type { NodeServer } from '../../src/server/node/index.js';
import { openDatabase } from '../../src/server/node/sqlite-storage.js';
import { makeItem } from '../client/items.js';
import { putOps } from '../harness/bench-ops.js';
import { compareRow } from '../harness/budget.js';
import { openPeer } from '../harness/protocol-peer.js';
import type { ProtocolPeer } from '../harness/protocol-peer.js';
import { startFrameServer, startRelay } from '../harness/raw-ws.js';
import { interleave } from '../harness/stats.js';
import type { Figure, FigureContext, FigureRow } from '../harness/types.js';

const SECRET = 'bench-replication-secret-0123456789abcdef';
const LAG_LIBRARY = 'replication-lag';
const CATCH_UP_LIBRARY = 'replication-catch-up';

async function startServer(o: { dir: string; name: string; peers?: string[]; libraries?: string[]; onSynced?: () => void }): Promise<NodeServer> {
  return createNodeServer({
    port: 0,
    host: '127.0.0.1',
    dbPath: join(o.dir, `${o.name}.sqlite`),
    secret: SECRET,
    compactIntervalMs: 0,
    log: (_level, event) => {
      if (event === 'replication.synced') o.onSynced?.();
    },
    ...(o.peers === undefined ? {} : { peers: o.peers.map((url) => ({ url, ...(o.libraries === undefined ? {} : { libraries: o.libraries }) })) }),
  });
}

const tokenFor = (server: NodeServer, library: string, user: string) => server.tokens.issue({ library, user, role: 'write', expiresIn: '1h' });

/** Resolves on the first frame that contains `needle` (a unique title), with the time it arrived. */
function arrival(socket: { onFrame: ProtocolPeer['onFrame'] } | WebSocket, needle: string): Promise<number> {
  return new Promise((resolve) => {
    if (socket instanceof WebSocket) {
      const onMessage = (data: WebSocket.RawData) => {
        if (!data.toString().includes(needle)) return;
        socket.off('message', onMessage);
        resolve(performance.now());
      };
      socket.on('message', onMessage);
      return;
    }
    socket.onFrame = (frame) => {
      if (!frame.includes(needle)) return false;
      socket.onFrame = undefined;
      resolve(performance.now());
      return true;
    };
  });
}

const opened = (ws: WebSocket) => new Promise<void>((resolve, reject) => (ws.once('open', () => resolve()), ws.once('error', reject)));

async function measureLag(ctx: FigureContext, dir: string): Promise<FigureRow> {
  const a = await startServer({ dir, name: 'lag-a' });
  const b = await startServer({ dir, name: 'lag-b', peers: [a.url], libraries: [LAG_LIBRARY] });
  const relays = [await startRelay(), await startRelay()];
  const sockets: WebSocket[] = [];
  try {
    const writer = await openPeer({ url: a.url, library: LAG_LIBRARY, token: await tokenFor(a, LAG_LIBRARY, 'writer') });
    await writer.seed('writer', putOps({ replicaId: 'writer', fromSeq: 1, count: 1, prefix: 'seed' }));
    const reader = await openPeer({ url: b.url, library: LAG_LIBRARY, token: await tokenFor(b, LAG_LIBRARY, 'reader') });
    // The seed reaches B over the link first; the reader joins B's copy.
    for (let tries = 0; b.server.inspect(LAG_LIBRARY)?.ops !== 1; tries++) await new Promise((resolve) => setTimeout(resolve, 20));
    await reader.joinLive('reader');
    // Two hops of plain relays: raw writer → relay 1 → bridge → relay 2 → raw reader.
    const [rawWriter, bridgeIn, bridgeOut, rawReader] = [relays[0], relays[0], relays[1], relays[1]].map((relay) => new WebSocket(relay?.url as string, { perMessageDeflate: false }));
    sockets.push(rawWriter as WebSocket, bridgeIn as WebSocket, bridgeOut as WebSocket, rawReader as WebSocket);
    await Promise.all(sockets.map(opened));
    (bridgeIn as WebSocket).on('message', (data, isBinary) => (bridgeOut as WebSocket).send(data, { binary: isBinary }));
    let seq = 2;
    const values = await interleave({
      samples: ctx.quick ? 30 : 200,
      warmup: 10,
      sample: async (side) => {
        const op = putOps({ replicaId: 'writer', fromSeq: seq, count: 1, prefix: `lag-${side}` })[0] as ReturnType<typeof putOps>[number];
        const needle = (op.change as unknown as { value: { title: string } }).value.title;
        const frame = encodeMessage({ type: 'push', ops: [op] });
        if (side === 'trellis') {
          seq++;
          const seen = arrival(reader, needle);
          const start = performance.now();
          writer.sendFrame(frame);
          const ms = (await seen) - start;
          await writer.next('ack');
          return ms;
        }
        const seen = arrival(rawReader as WebSocket, needle);
        const start = performance.now();
        (rawWriter as WebSocket).send(frame);
        return (await seen) - start;
      },
    });
    await Promise.all([writer.close(), reader.close()]);
    return compareRow({
      figure: 'replication lag A -> B (node)',
      unit: 'ms',
      better: 'lower',
      values,
      limit: 'the same push frame over two plain ws relays joined by a bridge socket',
      budget: { maxRatio: 2, maxP99Ratio: 2 },
      notes:
        'a sample: a replica of A (wire protocol over ws) pushes one new-document put; timed until a replica of B receives the ops frame holding it ' +
        '(A validates, stores and forwards it as peer-ops; B stores it under its own server seq and fans it out). Both servers in the bench process. ' +
        'Limit: the same bytes, writer -> relay 1 -> bridge socket -> relay 2 -> reader, nothing decoded or stored',
    });
  } finally {
    for (const ws of sockets) ws.terminate();
    await Promise.all(relays.map((relay) => relay.close()));
    await b.close();
    await a.close();
  }
}

/** The library on A: `docs` puts pushed by one replica, then compacted (A then holds baselines only). */
async function buildLibrary(a: NodeServer, docs: number): Promise<void> {
  const writer = await openPeer({ url: a.url, library: CATCH_UP_LIBRARY, token: await tokenFor(a, CATCH_UP_LIBRARY, 'builder') });
  await writer.seed('builder', putOps({ replicaId: 'builder', fromSeq: 1, count: 1, prefix: 'doc' }));
  for (let from = 2; from <= docs; from += 1000) await writer.push(putOps({ replicaId: 'builder', fromSeq: from, count: Math.min(1000, docs - from + 1), prefix: 'doc' }));
  writer.send({ type: 'cursor', serverSeq: docs });
  await writer.close();
  while (a.server.compact(CATCH_UP_LIBRARY).some((result) => result.more));
}

/** The documents as JSON arrays of at most SNAPSHOT_CHUNK_BYTES each. */
function docFrames(docs: number): string[] {
  const frames: string[] = [];
  let chunk: string[] = [];
  let bytes = 2;
  for (let i = 1; i <= docs; i++) {
    const json = JSON.stringify(makeItem('doc', i));
    if (chunk.length > 0 && bytes + json.length + 1 > SNAPSHOT_CHUNK_BYTES) (frames.push(`[${chunk.join(',')}]`), (chunk = []), (bytes = 2));
    chunk.push(json);
    bytes += json.length + 1;
  }
  if (chunk.length > 0) frames.push(`[${chunk.join(',')}]`);
  return frames;
}

/** Limit side: receive the frames and insert each document's JSON, a transaction a frame, until `done`. */
async function rawCatchUp(url: string, path: string): Promise<number> {
  const db = openDatabase(path);
  db.exec('CREATE TABLE IF NOT EXISTS docs (id TEXT PRIMARY KEY, doc TEXT NOT NULL)');
  const insert = db.prepare('INSERT OR REPLACE INTO docs (id, doc) VALUES (?, ?)');
  const commit = db.transaction((docs: { id: string }[]) => {
    for (const doc of docs) insert.run(doc.id, JSON.stringify(doc));
  });
  const start = performance.now();
  const ws = new WebSocket(url, { perMessageDeflate: false });
  await new Promise<void>((resolve) =>
    ws.on('message', (data) => {
      const text = data.toString();
      if (text === 'done') return resolve();
      commit(JSON.parse(text) as { id: string }[]);
    }),
  );
  const ms = performance.now() - start;
  ws.terminate();
  db.close();
  return ms;
}

async function measureCatchUp(ctx: FigureContext, dir: string): Promise<FigureRow> {
  const docs = ctx.quick ? 5_000 : 10_000;
  const a = await startServer({ dir, name: 'catch-up-a' });
  const raw = await startFrameServer(docFrames(docs));
  try {
    await buildLibrary(a, docs);
    const inspection = a.server.inspect(CATCH_UP_LIBRARY);
    let run = 0;
    const values = await interleave({
      samples: ctx.quick ? 3 : 8,
      warmup: 1,
      sample: async (side) => {
        const name = `catch-up-${side}-${++run}`;
        if (side === 'limit') return rawCatchUp(raw.url, join(dir, `${name}.sqlite`));
        let synced: () => void = () => {};
        const done = new Promise<void>((resolve) => (synced = resolve));
        const start = performance.now();
        const b = await startServer({ dir, name, peers: [a.url], libraries: [CATCH_UP_LIBRARY], onSynced: () => synced() });
        await done;
        const ms = performance.now() - start;
        const held = b.server.inspect(CATCH_UP_LIBRARY)?.documents;
        await b.close();
        if (held !== docs) throw new Error(`replication catch-up: B holds ${held} documents, A ${docs}`);
        return ms;
      },
    });
    return compareRow({
      figure: `replication catch-up, ${docs.toLocaleString('en')} documents (node)`,
      unit: 'ms',
      better: 'lower',
      values,
      limit: 'the documents as JSON frames over a plain ws, inserted into better-sqlite3 a transaction a frame',
      budget: { maxRatio: 2.5 },
      notes:
        `a sample: an empty Node server starts with A as its peer (one library) and is timed from createNodeServer until it logs replication.synced (A's exchange received and stored); ` +
        `A holds the library compacted (${inspection?.baselines} baselines, ${inspection?.ops} ops), so it travels as peer-baselines. ` +
        `Limit: the same documents as JSON arrays of <= ${SNAPSHOT_CHUNK_BYTES} bytes from a plain ws server, each frame parsed and inserted (id, JSON) in one transaction, WAL`,
    });
  } finally {
    await raw.close();
    await a.close();
  }
}

export const replication: Figure = {
  name: 'replication',
  title: 'server-to-server replication: lag A -> B and catch-up of an empty peer (Node)',
  async run(ctx) {
    const dir = mkdtempSync(join(tmpdir(), 'trellis-bench-replication-'));
    try {
      ctx.log('replication: lag');
      const lag = await measureLag(ctx, dir);
      ctx.log('replication: catch-up');
      return [lag, await measureCatchUp(ctx, dir)];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

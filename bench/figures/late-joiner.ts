/**
 * Late joiner: a library of 10,000 documents built from 50,000 ops by a real
 * store with createSync in Chromium (as an app builds one) and compacted by the
 * server on its own; a new store in a freshly loaded Chromium page joins it
 * (hello, reset, join, snapshot) until find() shows every document.
 * Against the same documents sent as JSON over a plain WebSocket and written
 * with one raw Dexie bulkPut. Rows for both servers.
 */
import { PROTOCOL_VERSION, SNAPSHOT_CHUNK_BYTES, decodeServerMessage } from '../../src/protocol/index.js';
import type { ClientPage } from '../harness/browser.js';
import { revisedItems, type Item } from '../client/items.js';
import { compareRow } from '../harness/budget.js';
import { openPeer } from '../harness/protocol-peer.js';
import { partialRow } from './partial-late-joiner.js';
import { startFrameServer } from '../harness/raw-ws.js';
import { interleave, summarize } from '../harness/stats.js';
import { SYNC_SERVER_KINDS, startSyncServer, type BenchSyncServer, type SyncServerKind } from '../harness/sync-server.js';
import type { Figure, FigureContext, FigureRow } from '../harness/types.js';

/** Documents in the library; --quick halves them (and so the time of a sample). */
const DOCS = 10_000;
const QUICK_DOCS = 5_000;
/** Rounds of one-field updates over every document after its put: 10,000 puts + 40,000 updates = 50,000 ops. */
const REVISIONS = 4;
const LIBRARY = 'late-joiner';
/**
 * The servers' periodic compaction runs every second here instead of every
 * 60 s (their default), so building does not wait up to a minute for the
 * first tick; it is the same loop, with the same slices, that apps get.
 */
const COMPACT_INTERVAL_SECONDS = 1;
/** How long the server may take to hold every op, and then to compact them all. */
const BUILD_TIMEOUT_MS = 300_000;

/** The library's head and horizon, as a decision tells them (a read-token hello stores nothing). */
async function libraryState(server: BenchSyncServer): Promise<{ head: number; horizon: number }> {
  const probe = await openPeer({ url: server.url, library: LIBRARY, token: await server.token(LIBRARY, 'read', 'probe') });
  probe.send({ type: 'hello', protocol: PROTOCOL_VERSION, replicaId: 'probe', cursor: null, localSeq: 0, atRisk: 0 });
  const decision = await probe.next('decision');
  await probe.close();
  return { head: decision.serverSeq, horizon: decision.horizon };
}

/** Polls the library's state until `accept` holds (a condition the server reaches by itself). */
async function until(server: BenchSyncServer, what: string, accept: (state: { head: number; horizon: number }) => boolean) {
  const deadline = Date.now() + BUILD_TIMEOUT_MS;
  for (;;) {
    const state = await libraryState(server);
    if (accept(state)) return state;
    if (Date.now() > deadline) throw new Error(`late joiner: ${what} not reached in ${BUILD_TIMEOUT_MS} ms (head ${state.head}, horizon ${state.horizon})`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * A real store in the page writes the history through createSync (it never
 * sends a cursor for its own ops); once the server holds every op, the writer
 * disconnects and the server's own compaction squashes them. Returns when the
 * horizon reaches the head, with how long each part took.
 */
async function buildLibrary(o: { server: BenchSyncServer; client: ClientPage; count: number }) {
  const ops = o.count * (1 + REVISIONS);
  const start = performance.now();
  const token = await o.server.token(LIBRARY, 'write', 'writer');
  await o.client.call('late-joiner', 'build', { url: o.server.url, library: LIBRARY, token, count: o.count, revisions: REVISIONS, prefix: 'late' });
  const written = await until(o.server, `a head of ${ops}`, (state) => state.head >= ops);
  if (written.head !== ops) throw new Error(`late joiner: the server holds ${written.head} ops, the writer wrote ${ops}`);
  await o.client.call('late-joiner', 'release');
  const pushed = performance.now();
  const compacted = await until(o.server, 'a horizon at the head', (state) => state.horizon === state.head);
  return { ops, horizon: compacted.horizon, writeSeconds: (pushed - start) / 1000, compactSeconds: (performance.now() - pushed) / 1000 };
}

/**
 * What a joiner receives: counted from the raw snapshot frames of one join by
 * a client of `protocol` (packed frames from 5, plain before: protocol/packed.ts).
 */
async function inspectSnapshot(server: BenchSyncServer, protocol: number) {
  const peer = await openPeer({ url: server.url, library: LIBRARY, token: await server.token(LIBRARY, 'write', `inspector-${protocol}`) });
  const seen = { frames: 0, bytes: 0, baselines: 0, ops: 0, ms: 0 };
  let joined = 0;
  const done = new Promise<void>((resolve) => {
    peer.onFrame = (frame) => {
      if (!frame.startsWith('{"type":"snapshot"')) return false;
      const decoded = decodeServerMessage(frame);
      if (!decoded.ok || decoded.value.type !== 'snapshot') throw new Error(`late joiner: a snapshot frame did not decode: ${decoded.ok ? decoded.value.type : decoded.error.message}`);
      const message = decoded.value;
      seen.frames++;
      seen.bytes += Buffer.byteLength(frame);
      seen.baselines += message.baselines.length;
      seen.ops += message.ops.length;
      if (message.done) {
        seen.ms = performance.now() - joined;
        resolve();
      }
      return true;
    };
  });
  peer.send({ type: 'hello', protocol, replicaId: `inspector-hello-${protocol}`, cursor: null, localSeq: 0, atRisk: 0 });
  await peer.next('decision');
  joined = performance.now();
  peer.send({ type: 'join', replicaId: `inspector-${protocol}` });
  await done;
  await peer.close();
  return seen;
}

/** The documents as JSON arrays of at most SNAPSHOT_CHUNK_BYTES each, as the server chunks a snapshot. */
function docFrames(docs: readonly Item[]): string[] {
  const frames: string[] = [];
  let chunk: string[] = [];
  let bytes = 2;
  for (const doc of docs) {
    const json = JSON.stringify(doc);
    if (chunk.length > 0 && bytes + json.length + 1 > SNAPSHOT_CHUNK_BYTES) {
      frames.push(`[${chunk.join(',')}]`);
      chunk = [];
      bytes = 2;
    }
    chunk.push(json);
    bytes += json.length + 1;
  }
  if (chunk.length > 0) frames.push(`[${chunk.join(',')}]`);
  return frames;
}

/**
 * Snapshot bytes per document against the documents' own JSON (issue 16: at
 * most 1.3x). Bytes, so no sampling: one join's frames, counted exactly.
 */
function bytesRow(o: { kind: SyncServerKind; docs: readonly Item[]; packed: { bytes: number; frames: number }; plain: { bytes: number } }): FigureRow {
  const count = o.docs.length;
  const json = o.docs.reduce((sum, doc) => sum + Buffer.byteLength(JSON.stringify(doc)), 0);
  return {
    figure: `snapshot bytes per document (${o.kind})`,
    unit: 'B/doc',
    better: 'lower',
    subject: summarize([o.packed.bytes / count], 'lower'),
    limit: { what: 'the document as JSON (UTF-8)', ...summarize([json / count], 'lower') },
    budget: { maxRatio: 1.3 },
    notes:
      `the UTF-8 bytes of every snapshot frame a protocol ${PROTOCOL_VERSION} joiner receives for the ${count}-document library above (${o.packed.frames} packed frames, ` +
      `${(o.packed.bytes / 1e6).toFixed(2)} MB), per document, against the documents' JSON (${(json / 1e6).toFixed(2)} MB); ` +
      `a protocol 4 joiner gets the plain form: ${(o.plain.bytes / 1e6).toFixed(2)} MB, ${(o.plain.bytes / json).toFixed(2)}x`,
  };
}

async function measure(ctx: FigureContext, kind: SyncServerKind): Promise<FigureRow[]> {
  const count = ctx.quick ? QUICK_DOCS : DOCS;
  const docs = revisedItems('late', count, REVISIONS);
  const server = await startSyncServer(kind, ctx.root, { compactIntervalSeconds: COMPACT_INTERVAL_SECONDS });
  const frames = docFrames(docs);
  const raw = await startFrameServer(frames);
  try {
    const client = await ctx.client();
    const built = await buildLibrary({ server, client, count });
    const snapshot = await inspectSnapshot(server, PROTOCOL_VERSION);
    const plainSnapshot = await inspectSnapshot(server, 4);
    // The figure is about a compacted library: a joiner must get one baseline per document and no ops.
    if (snapshot.baselines !== count || snapshot.ops !== 0) throw new Error(`late joiner: snapshot holds ${snapshot.baselines} baselines and ${snapshot.ops} ops`);
    const check = docs[count - 1] as Item;
    let joiner = 0;
    const values = await interleave({
      samples: ctx.quick ? 2 : 8,
      // Every sample runs in a freshly loaded page anyway; the full run still warms the server's code first.
      warmup: ctx.quick ? 0 : 1,
      sample: async (side) => {
        await client.reload();
        if (side === 'limit') return client.call<number>('late-joiner', 'limit', { url: raw.url, count });
        const token = await server.token(LIBRARY, 'write', `joiner-${joiner++}`);
        return client.call<number>('late-joiner', 'trellis', { url: server.url, library: LIBRARY, token, count, check });
      },
    });
    const rawBytes = frames.reduce((sum, f) => sum + Buffer.byteLength(f), 0);
    const timeRow = compareRow({
      figure: `late joiner (${kind})`,
      unit: 'ms',
      better: 'lower',
      values,
      limit: 'the same docs as JSON over a plain WebSocket + raw Dexie bulkPut',
      // A ratio only (issue 18): an absolute bound in ms moves with the machine; the limit runs in the same pages, interleaved.
      budget: { maxRatio: 2.5 },
      notes:
        `${count} documents${ctx.quick ? ` (--quick; ${DOCS} in a full run)` : ''} built from ${built.ops} ops by a real store + createSync in Chromium (a put each, then ${REVISIONS} one-field updates each, ` +
        `in transactions of 1,000; writing until the server held them took ${built.writeSeconds.toFixed(1)} s, not timed), then compacted by the server's own loop ` +
        `(tick every ${COMPACT_INTERVAL_SECONDS} s here; horizon ${built.horizon} after ${built.compactSeconds.toFixed(1)} s, not timed); a join receives ${snapshot.baselines} baselines and ${snapshot.ops} ops ` +
        `in ${snapshot.frames} snapshot frames, ${(snapshot.bytes / 1e6).toFixed(2)} MB (to a Node protocol client: join → last snapshot frame in ${snapshot.ms.toFixed(0)} ms). A sample: in a freshly loaded page, createStore + createSync ` +
        `(autoJoin) on a new database until find() emits all ${count} documents (one checked field by field). ` +
        `Limit: in a freshly loaded page, raw Dexie open + the documents as ${frames.length} JSON frames (${(rawBytes / 1e6).toFixed(2)} MB) from a ws server in Node + one bulkPut. ` +
        `Server: ${kind === 'node' ? 'Node, in the bench process' : 'the production Worker and Durable Object in workerd under miniflare; the same budget as Node is applied'}`,
    });
    const partial = await partialRow({ kind, server, client, library: LIBRARY, docs, quick: ctx.quick });
    return [timeRow, partial, bytesRow({ kind, docs, packed: snapshot, plain: plainSnapshot })];
  } finally {
    await raw.close();
    await server.close();
  }
}

export const lateJoiner: Figure = {
  name: 'late-joiner',
  title: 'late joiner: a 10,000-doc library (50,000 ops by a real client, compacted) until every doc is queryable in a fresh page (5,000 with --quick), a partial joiner of about 10% of it, and its snapshot bytes per document',
  async run(ctx) {
    const rows: FigureRow[] = [];
    for (const kind of SYNC_SERVER_KINDS) {
      ctx.log(`late-joiner: ${kind}`);
      rows.push(...(await measure(ctx, kind)));
    }
    return rows;
  },
};

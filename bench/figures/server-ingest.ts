/**
 * Server ingest: ops accepted, validated, committed and acknowledged per
 * second, pushed 100 per `push` by one replica over `ws`, against
 * better-sqlite3 inserting the same rows into the same table, 100 per
 * transaction (WAL, synchronous=NORMAL, as the Node server opens it).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMessage } from '../../src/protocol/index.js';
import type { Op } from '../../src/core/index.js';
import { migrate } from '../../src/server/core/schema.js';
import { createSqliteStorage, openDatabase } from '../../src/server/node/sqlite-storage.js';
import { putOps } from '../harness/bench-ops.js';
import { compareRow } from '../harness/budget.js';
import { openPeer, type ProtocolPeer } from '../harness/protocol-peer.js';
import { interleave } from '../harness/stats.js';
import { SYNC_SERVER_KINDS, startSyncServer, type SyncServerKind } from '../harness/sync-server.js';
import type { Figure, FigureRow } from '../harness/types.js';

const OPS_PER_PUSH = 100;
/**
 * Pushes on the wire at once. The sync client keeps one in flight; a server's
 * capacity is what many replicas with one each would get from it, and one
 * socket with a few in flight measures that without adding fan-out to them.
 */
const WINDOW = 4;

/** The same rows the server stores, inserted with a prepared statement, 100 per transaction. */
function createLimit(dir: string) {
  const db = openDatabase(join(dir, 'limit.sqlite'));
  migrate(createSqliteStorage(db));
  const insert = db.prepare('INSERT INTO ops (library, server_seq, replica, seq, ts, collection, id, change) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const commit = db.transaction((rows: readonly unknown[][]) => {
    for (const row of rows) insert.run(...row);
  });
  let serverSeq = 0;
  return {
    /** Rows as the server writes them (change as JSON text); made before the clock starts. */
    rows: (ops: readonly Op[]) => ops.map((op) => ['ingest', ++serverSeq, op.replicaId, op.seq, op.ts, op.collection, op.id, JSON.stringify(op.change)]),
    insert: (rows: readonly unknown[][]) => {
      for (let i = 0; i < rows.length; i += OPS_PER_PUSH) commit(rows.slice(i, i + OPS_PER_PUSH));
    },
    close: () => db.close(),
  };
}

/** Sends every frame with at most WINDOW unacknowledged; resolves on the last ack. */
function pushAll(peer: ProtocolPeer, frames: readonly { frame: string; lastSeq: number }[]): Promise<void> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let acked = 0;
    const sendNext = () => {
      while (sent < frames.length && sent - acked < WINDOW) peer.sendFrame((frames[sent++] as { frame: string }).frame);
    };
    peer.onFrame = (frame) => {
      if (frame.startsWith('{"type":"error"')) {
        peer.onFrame = undefined;
        reject(new Error(`push refused: ${frame}`));
        return true;
      }
      if (!frame.startsWith('{"type":"ack"')) return false;
      const { toSeq } = JSON.parse(frame) as { toSeq: number };
      while (acked < frames.length && (frames[acked] as { lastSeq: number }).lastSeq <= toSeq) acked++;
      if (acked === frames.length) {
        peer.onFrame = undefined;
        resolve();
      } else sendNext();
      return true;
    };
    sendNext();
  });
}

/** `authority`: the Node server checks every op against a schema and a write rule (bench-authority.ts). */
async function measure(ctx: Parameters<Figure['run']>[0], o: { kind: SyncServerKind; dir: string; authority: boolean }): Promise<FigureRow> {
  const { kind, dir, authority } = o;
  const pushes = ctx.quick ? 20 : 50;
  const server = await startSyncServer(kind, ctx.root, { authority });
  mkdirSync(dir, { recursive: true });
  const limit = createLimit(dir);
  try {
    const peer = await openPeer({ url: server.url, library: 'ingest', token: await server.token('ingest') });
    await peer.seed('writer', putOps({ replicaId: 'writer', fromSeq: 1, count: 1, prefix: 'seed' }));
    let seq = 2;
    const values = await interleave({
      samples: ctx.quick ? 6 : 30,
      warmup: 2,
      sample: async (side) => {
        const ops = putOps({ replicaId: 'writer', fromSeq: seq, count: pushes * OPS_PER_PUSH, prefix: 'ingest' });
        let ms: number;
        if (side === 'trellis') {
          seq += ops.length;
          const frames = Array.from({ length: pushes }, (_, i) => {
            const batch = ops.slice(i * OPS_PER_PUSH, (i + 1) * OPS_PER_PUSH);
            return { frame: encodeMessage({ type: 'push', ops: batch }), lastSeq: (batch.at(-1) as Op).seq };
          });
          const start = performance.now();
          await pushAll(peer, frames);
          ms = performance.now() - start;
        } else {
          const rows = limit.rows(ops);
          const start = performance.now();
          limit.insert(rows);
          ms = performance.now() - start;
        }
        return (ops.length * 1000) / ms;
      },
    });
    await peer.close();
    return compareRow({
      figure: authority ? `server ingest, schema and rules (${kind})` : `server ingest (${kind})`,
      unit: 'ops/s',
      better: 'higher',
      values,
      limit: 'better-sqlite3 inserts of the same rows, 100 per transaction',
      budget: kind === 'node' ? { minRatio: 0.3 } : {},
      notes:
        `a sample is ${pushes} pushes of ${OPS_PER_PUSH} new-document puts (~${Math.round(frameBytes(ops0()) / OPS_PER_PUSH)} B per op on the wire) ` +
        `from one replica over ws, at most ${WINDOW} unacknowledged, timed from the first send to the last ack; ` +
        `frames are encoded before the clock starts; the server runs ${kind === 'node' ? 'in the bench process' : 'in workerd under miniflare (informative: no budget)'}. ` +
        'Limit: the rows the server stores (change as JSON text, encoded before the clock starts) inserted by a prepared statement into the server\'s ops table, ' +
        'WAL, synchronous=NORMAL, 100 per transaction' +
        (authority ? '. The server has the bench schema and a write rule reading each document before and after the op: every op is merged, validated and judged' : ''),
    });
  } finally {
    limit.close();
    await server.close();
  }
}

const ops0 = () => putOps({ replicaId: 'writer', fromSeq: 1, count: OPS_PER_PUSH, prefix: 'ingest' });
const frameBytes = (ops: Op[]) => Buffer.byteLength(encodeMessage({ type: 'push', ops }));

export const serverIngest: Figure = {
  name: 'server-ingest',
  title: 'server ingest: ops accepted, committed and acknowledged per second (100-op pushes)',
  async run(ctx) {
    const dir = mkdtempSync(join(tmpdir(), 'trellis-bench-ingest-'));
    try {
      const rows: FigureRow[] = [];
      for (const kind of SYNC_SERVER_KINDS) {
        ctx.log(`server-ingest: ${kind}`);
        rows.push(await measure(ctx, { kind, dir: join(dir, kind), authority: false }));
      }
      // The authoritative path, on Node (its budget is the plain row's).
      ctx.log('server-ingest: node, schema and rules');
      rows.push(await measure(ctx, { kind: 'node', dir: join(dir, 'node-authority'), authority: true }));
      return rows;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

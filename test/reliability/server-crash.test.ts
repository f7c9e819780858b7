/**
 * The server process (the real `trellis-server` CLI) is killed with SIGKILL
 * again and again while several real sync clients (stores + the WebSocket
 * transport) keep writing, and restarted on the same database and port.
 * Every op a client saw acknowledged is in the database, and the clients
 * reconnect by themselves and converge.
 */
import { createServer } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { firstValueFrom } from 'rxjs';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createSync } from 'trellis/sync';
import type { SyncState } from 'trellis/sync';
import { decodeServerMessage } from 'trellis/protocol';
import { createTokenProvider } from 'trellis/server';
import { createWebSocketTransport } from '../../src/sync/transport-websocket.js';
import { testDatabase } from '../helpers/open-test-store.js';
import type { TodoStore } from '../helpers/open-test-store.js';
import { buildCli, startServerProcess } from '../helpers/server-process.js';
import type { ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/start-test-server.js';

const SECRET = 'server-crash-secret-0123456789abcdef';
const KILLS = Number(process.env.TRELLIS_CRASH_KILLS ?? 4);
const tokens = createTokenProvider({ secret: SECRET });
let cli: Awaited<ReturnType<typeof buildCli>>;

beforeAll(async () => {
  cli = await buildCli();
});
afterAll(() => cli?.remove());

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

interface Client {
  readonly name: string;
  readonly store: TodoStore;
  readonly acked: { replicaId: string; fromSeq: number; toSeq: number; firstServerSeq: number }[];
  /** Transport events, for diagnosing a failure. */
  readonly trace: string[];
  state: SyncState;
  stop(): Promise<void>;
}

async function client(name: string, url: string): Promise<Client> {
  const store = await testDatabase().open();
  const acked: Client['acked'] = [];
  const trace: string[] = [];
  const t0 = Date.now();
  const note = (event: string) => trace.push(`${Date.now() - t0} ${event}`);
  const sync = createSync(store, {
    url,
    library: 'team',
    getToken: () => tokens.issue({ library: 'team', user: name, role: 'write', expiresIn: '1h' }),
    WebSocket,
    // The real WebSocket transport, tapped to record every ack this client saw.
    transport: (options) => {
      const transport = createWebSocketTransport(options);
      transport.onOpen(() => note('open'));
      transport.onClose((e) => note(`close ${e.code}`));
      transport.onMessage((frame) => {
        const decoded = decodeServerMessage(frame);
        if (decoded.ok && decoded.value.type === 'ack') acked.push(decoded.value);
        if (decoded.ok) {
          const m = decoded.value;
          note(m.type === 'ops' ? `ops ${m.ops[0]?.serverSeq}..${m.ops.at(-1)?.serverSeq}${m.progress ? ' catch-up' : ''}` : m.type === 'decision' ? `decision ${m.decision} head ${m.serverSeq}` : m.type === 'synced' ? `synced ${m.serverSeq}` : m.type === 'ack' ? `ack ${m.firstServerSeq}` : m.type === 'error' ? `error ${m.code}` : m.type);
        }
      });
      const send = transport.send.bind(transport);
      return { ...transport, send: (frame: string) => { const m = JSON.parse(frame); note(`→ ${m.type}${m.type === 'hello' ? ` cursor ${m.cursor?.serverSeq}` : m.type === 'cursor' ? ` ${m.serverSeq}` : ''}`); send(frame); } };
      return transport;
    },
  });
  const c: Client = { name, store, acked, trace, state: { phase: 'connecting', pending: 0 }, stop: async () => (await sync.stop(), await store.close()) };
  sync.state.subscribe((s) => (c.state = s));
  return c;
}

/** Resolves once every client is live with nothing pending (a 30 s safety net, not a timing assertion). */
async function settled(clients: readonly Client[]): Promise<void> {
  for (const end = Date.now() + 30_000; Date.now() < end; await new Promise((resolve) => setTimeout(resolve, 20))) {
    if (clients.every((c) => c.state.phase === 'live' && c.state.pending === 0)) return;
  }
  throw new Error(`clients did not settle: ${clients.map((c) => `${c.name}=${JSON.stringify(c.state)}`).join(' ')}`);
}

const documents = (c: Client) => firstValueFrom(c.store.collection('todos').find({ orderBy: 'id' }));

/** Resolves once every client is settled and all hold the same documents (30 s safety net). */
async function converged(clients: readonly Client[]): Promise<void> {
  for (const end = Date.now() + 30_000; Date.now() < end; await new Promise((resolve) => setTimeout(resolve, 50))) {
    if (!clients.every((c) => c.state.phase === 'live' && c.state.pending === 0)) continue;
    const [first, ...rest] = await Promise.all(clients.map(documents));
    if (rest.every((docs) => JSON.stringify(docs) === JSON.stringify(first))) return;
  }
  throw new Error(`clients did not converge: ${clients.map((c) => `${c.name}=${JSON.stringify(c.state)} ${c.trace.slice(-8).join(' | ')}`).join('\n')}`);
}

describe('server crashes under load', () => {
  test(`${KILLS} SIGKILLs while three clients write: every acked op survives, the clients converge`, async () => {
    const dbPath = join(tempDir(), 'trellis.sqlite');
    const port = await freePort();
    const args = ['--port', String(port), '--db', dbPath, '--secret', SECRET];
    let server: ServerProcess = await startServerProcess(cli.cliPath, args);
    const clients = await Promise.all(['ada', 'bob', 'cy'].map((name) => client(name, server.url)));
    // Everyone joins the (empty) library first; from then on their writes are pushes.
    await settled(clients);
    let writing = true;
    const writers = clients.map(async (c, i) => {
      for (let n = 0; writing && n < 5000; n++) {
        await c.store.collection('todos').put({ id: `${c.name}-${n % 40}`, title: `${c.name} ${n}`, createdAt: n });
        if (n % 7 === i) await c.store.collection('todos').update(`${c.name}-${n % 40}`, { done: true });
        await new Promise((resolve) => setTimeout(resolve, 4));
      }
    });
    try {
      for (let kill = 0; kill < KILLS; kill++) {
        await new Promise((resolve) => setTimeout(resolve, 250 + kill * 100));
        server.child.kill('SIGKILL');
        await server.exited;
        server = await startServerProcess(cli.cliPath, args);
      }
      writing = false;
      await Promise.all(writers);
      // Live with nothing pending is not enough: a peer may still be applying the last fan-out.
      await converged(clients);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    // Every ack any client saw is in the database, at the server seq it announced.
    const db = new Database(dbPath, { readonly: true });
    try {
      const { horizon } = db.prepare("SELECT horizon FROM libraries WHERE library = 'team'").get() as { horizon: number };
      const bySeq = db.prepare("SELECT server_seq FROM ops WHERE library = 'team' AND replica = ? AND seq = ?");
      let checked = 0;
      for (const c of clients) {
        for (const ack of c.acked) {
          for (let seq = ack.fromSeq; seq <= ack.toSeq; seq++) {
            const serverSeq = ack.firstServerSeq + (seq - ack.fromSeq);
            const row = bySeq.get(ack.replicaId, seq) as { server_seq: number } | undefined;
            if (serverSeq > horizon) expect(row, `${ack.replicaId}#${seq}`).toEqual({ server_seq: serverSeq });
            checked++;
          }
        }
      }
      expect(checked).toBeGreaterThan(50);
    } finally {
      db.close();
    }
    const states = await Promise.all(clients.map(documents));
    expect(states[1]).toEqual(states[0]);
    expect(states[2]).toEqual(states[0]);
    expect(states[0]!.length).toBe(120);
    await Promise.all(clients.map((c) => c.stop()));
  }, 120_000);
});

/**
 * `npm run load`: N simulated replicas (default 200) across M libraries
 * (default 10) write at a steady rate for a fixed time against the real
 * `trellis-server` CLI (its own process, 127.0.0.1, a temp SQLite file).
 * Replicas speak the wire protocol directly (ws) and keep their documents
 * with the real merge, so the load generator stays light and the server is
 * what is measured. Reports accepted ops/s, propagation p50/p99 (write on one
 * replica → applied at another), server RSS; after draining, checks that no
 * op was lost and every replica of a library holds the same documents as
 * the server. Bounded: at most 2,000 replicas and 10 minutes; stops by itself.
 *
 *   npm run load
 *   npm run load -- --replicas 500 --libraries 25 --rate 2 --seconds 60
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import WebSocket from 'ws';
import { formatTimestamp, tick, initialClock } from '../../src/core/index.js';
import type { ClockState, DocState, Op } from '../../src/core/index.js';
import { applyOps, emptyDocState, materialize, mergeStates } from '../../src/merge/index.js';
import { PROTOCOL_VERSION, decodeServerMessage, encodeMessage } from 'trellis/protocol';
import type { ClientMessage, ServerMessage } from 'trellis/protocol';
import { createTokenProvider } from 'trellis/server';
import { buildCli, startServerProcess } from '../helpers/server-process.js';

const { values } = parseArgs({
  options: {
    replicas: { type: 'string', default: '200' },
    libraries: { type: 'string', default: '10' },
    rate: { type: 'string', default: '2' },
    seconds: { type: 'string', default: '30' },
    // 0: a cursor after every ops frame, as the sync plugin does; else at most one per this many ms.
    'cursor-ms': { type: 'string', default: '0' },
  },
});
const REPLICAS = Math.min(2000, Number(values.replicas));
const LIBRARIES = Math.max(1, Math.min(REPLICAS, Number(values.libraries)));
const RATE = Number(values.rate);
const SECONDS = Math.min(600, Number(values.seconds));
const CURSOR_MS = Number(values['cursor-ms']);
const DRAIN_MS = 30_000;
const SECRET = 'load-test-secret-0123456789abcdef0123';
const tokens = createTokenProvider({ secret: SECRET });
const log = (line: string) => process.stderr.write(`load: ${line}\n`);

interface Replica {
  readonly name: string;
  readonly library: string;
  replicaId: string;
  ws: WebSocket;
  live: boolean;
  clock: ClockState;
  seq: number;
  queue: Op[];
  pushing: boolean;
  acked: number;
  cursor: number;
  cursorSentAt: number;
  readonly docs: Map<string, DocState>;
  /** `replicaId#seq` of every op applied, own and remote. */
  readonly has: Set<string>;
  errors: string[];
}

const sentAt = new Map<string, number>();
const latencies: number[] = [];
const key = (op: { replicaId: string; seq: number }) => `${op.replicaId}#${op.seq}`;
const docKey = (op: { collection: string; id: string }) => `${op.collection}\u0000${op.id}`;

function apply(replica: Replica, ops: readonly Op[]): void {
  const byDoc = new Map<string, Op[]>();
  for (const op of ops) {
    if (replica.has.has(key(op))) continue;
    replica.has.add(key(op));
    byDoc.set(docKey(op), [...(byDoc.get(docKey(op)) ?? []), op]);
  }
  for (const [k, list] of byDoc) replica.docs.set(k, applyOps(replica.docs.get(k) ?? emptyDocState, list));
}

function send(replica: Replica, message: ClientMessage): void {
  if (replica.ws.readyState === WebSocket.OPEN) replica.ws.send(encodeMessage(message));
}

function pump(replica: Replica): void {
  if (!replica.live || replica.pushing || replica.queue.length === 0) return;
  replica.pushing = true;
  send(replica, { type: 'push', ops: replica.queue.slice(0, 500) });
}

function write(replica: Replica, n: number): void {
  replica.queue.push(newOp(replica, n));
  pump(replica);
}

function newOp(replica: Replica, n: number): Op {
  replica.clock = tick(replica.clock, Date.now());
  const shared = n % 3 === 0;
  const op: Op = {
    replicaId: replica.replicaId,
    seq: ++replica.seq,
    ts: formatTimestamp(replica.clock),
    collection: 'todos',
    id: shared ? `shared-${n % 5}` : `${replica.name}-${n % 20}`,
    change: shared ? { kind: 'set', path: ['title'], value: `${replica.name} ${n}` } : { kind: 'put', value: { title: `${replica.name} ${n}`, n } },
  };
  sentAt.set(key(op), performance.now());
  apply(replica, [op]);
  return op;
}

function onMessage(replica: Replica, message: ServerMessage): void {
  switch (message.type) {
    case 'decision':
      // The first replica of a library seeds it with one op, so the others join (reset) instead of seeding too.
      if (message.decision === 'accept') send(replica, { type: 'seed', baselines: [], ops: [newOp(replica, 0)], done: true });
      else if (message.decision === 'reset') {
        replica.replicaId = `${replica.name}x`;
        send(replica, { type: 'join', replicaId: replica.replicaId });
      } else replica.errors.push(`unexpected resume`);
      return;
    case 'snapshot':
      for (const b of message.baselines) replica.docs.set(docKey(b), mergeStates(replica.docs.get(docKey(b)) ?? emptyDocState, b.state));
      apply(replica, message.ops.map((e) => e.op));
      return;
    case 'synced':
      if (!replica.live) replica.acked = replica.seq; // a seed's ops are stored with it
      replica.cursor = Math.max(replica.cursor, message.serverSeq);
      replica.live = true;
      return;
    case 'ops': {
      const now = performance.now();
      for (const { op } of message.ops) {
        const at = sentAt.get(key(op));
        if (at !== undefined && !replica.has.has(key(op))) latencies.push(now - at);
      }
      apply(replica, message.ops.map((e) => e.op));
      replica.cursor = Math.max(replica.cursor, ...message.ops.map((e) => e.serverSeq));
      if (CURSOR_MS === 0 || now - replica.cursorSentAt >= CURSOR_MS) {
        replica.cursorSentAt = now;
        send(replica, { type: 'cursor', serverSeq: replica.cursor });
      }
      return;
    }
    case 'ack': {
      const done = message.toSeq - message.fromSeq + 1;
      replica.acked += done;
      replica.queue = replica.queue.filter((op) => op.seq > message.toSeq);
      replica.pushing = false;
      pump(replica);
      return;
    }
    case 'horizon':
      return;
    case 'error':
      replica.errors.push(message.code);
      return;
  }
}

async function connect(url: string, name: string, library: string): Promise<Replica> {
  const token = await tokens.issue({ library, user: name, role: 'write', expiresIn: '1h' });
  const ws = new WebSocket(`${url}/${library}?token=${token}`);
  const replica: Replica = { name, library, replicaId: name, ws, live: false, clock: initialClock, seq: 0, queue: [], pushing: false, acked: 0, cursor: 0, cursorSentAt: 0, docs: new Map(), has: new Set(), errors: [] };
  ws.on('message', (data) => {
    const decoded = decodeServerMessage(data.toString());
    if (decoded.ok) onMessage(replica, decoded.value);
    else replica.errors.push('undecodable frame');
  });
  ws.on('close', (code) => {
    if (replica.live) replica.errors.push(`closed ${code}`);
    replica.live = false;
  });
  ws.on('error', (err) => replica.errors.push(String(err)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  send(replica, { type: 'hello', protocol: PROTOCOL_VERSION, replicaId: replica.replicaId, cursor: null, localSeq: 0, atRisk: 0 });
  return replica;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(done: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(50)) if (done()) return true;
  return done();
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** CPU seconds (user + system) the process used so far, from /proc (clock ticks of 10 ms). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-load-'));
  const cli = await buildCli();
  const dbPath = join(dir, 'load.sqlite');
  const server = await startServerProcess(cli.cliPath, ['--port', '0', '--db', dbPath, '--secret', SECRET]);
  const pid = server.child.pid as number;
  const rss = { start: rssMiB(pid), peak: 0 };
  const sampler = setInterval(() => (rss.peak = Math.max(rss.peak, rssMiB(pid))), 500);
  try {
    log(`${REPLICAS} replicas over ${LIBRARIES} libraries, ${RATE} writes/s each for ${SECONDS} s, server pid ${pid}`);
    const libraries = Array.from({ length: LIBRARIES }, (_, i) => `lib${i}`);
    // The first replica of each library seeds it (empty); the others join it.
    const first = await Promise.all(libraries.map((library, i) => connect(server.url, `r${i}`, library)));
    await until(() => first.every((r) => r.live), 10_000);
    const rest: Replica[] = [];
    for (let i = LIBRARIES; i < REPLICAS; i += 50) {
      const batch = Array.from({ length: Math.min(50, REPLICAS - i) }, (_, k) => i + k);
      rest.push(...(await Promise.all(batch.map((n) => connect(server.url, `r${n}`, libraries[n % LIBRARIES] as string)))));
    }
    const replicas = [...first, ...rest];
    if (!(await until(() => replicas.every((r) => r.live), 30_000))) throw new Error(`replicas not live: ${replicas.filter((r) => !r.live).length}`);
    log(`all ${replicas.length} replicas live; writing`);
    const started = performance.now();
    const cpu = { server: cpuSeconds(pid), load: process.cpuUsage() };
    const timers = replicas.map((replica, i) => {
      let n = 0;
      const every = 1000 / RATE;
      // Spread the writers over the first interval, so the load is steady.
      return setTimeout(() => {
        write(replica, n++);
        const t = setInterval(() => write(replica, n++), every);
        timers[i] = t;
      }, (i / replicas.length) * every) as NodeJS.Timeout;
    });
    await sleep(SECONDS * 1000);
    for (const t of timers) clearInterval(t);
    const written = replicas.reduce((sum, r) => sum + r.seq, 0);
    const elapsed = (performance.now() - started) / 1000;
    const serverCpu = (cpuSeconds(pid) - cpu.server) / elapsed;
    const used = process.cpuUsage(cpu.load);
    const loadCpu = (used.user + used.system) / 1e6 / elapsed;
    log(`wrote ${written} ops in ${elapsed.toFixed(1)} s; draining`);
    const everyone = (r: Replica) => replicas.filter((o) => o.library === r.library);
    const drained = await until(
      () => replicas.every((r) => r.queue.length === 0 && everyone(r).every((o) => o.seq === 0 || (r.has.has(key({ replicaId: o.replicaId, seq: o.seq }))))),
      DRAIN_MS,
    );
    const acceptedPerSecond = replicas.reduce((sum, r) => sum + r.acked, 0) / elapsed;
    // Verify: nothing lost (every written op acked, and present at every replica of its library) and convergence with the server.
    const lost = replicas.reduce((sum, r) => sum + (r.seq - r.acked), 0);
    let missing = 0;
    for (const r of replicas) for (const o of everyone(r)) for (let s = 1; s <= o.seq; s++) if (!r.has.has(`${o.replicaId}#${s}`)) missing++;
    for (const r of replicas) {
      r.live = false;
      r.ws.terminate();
    }
    server.child.kill('SIGTERM');
    await server.exited;
    const db = new Database(dbPath, { readonly: true });
    let diverged = 0;
    let serverOps = 0;
    for (const library of libraries) {
      const states = new Map<string, DocState>();
      for (const row of db.prepare('SELECT collection, id, state FROM baselines WHERE library = ?').all(library) as { collection: string; id: string; state: string }[]) {
        states.set(docKey(row), JSON.parse(row.state) as DocState);
      }
      for (const row of db.prepare('SELECT * FROM ops WHERE library = ? ORDER BY server_seq').all(library) as Record<string, unknown>[]) {
        const op = { replicaId: row.replica, seq: row.seq, ts: row.ts, collection: row.collection, id: row.id, change: JSON.parse(row.change as string) } as Op;
        states.set(docKey(op), applyOps(states.get(docKey(op)) ?? emptyDocState, [op]));
      }
      serverOps += (db.prepare('SELECT head_seq FROM libraries WHERE library = ?').get(library) as { head_seq: number }).head_seq;
      const expected = JSON.stringify([...states].map(([k, s]) => [k, materialize(s)]).sort());
      for (const r of replicas.filter((x) => x.library === library)) {
        if (JSON.stringify([...r.docs].map(([k, s]) => [k, materialize(s)]).sort()) !== expected) diverged++;
      }
    }
    db.close();
    const errors = replicas.flatMap((r) => r.errors);
    const sorted = latencies.sort((a, b) => a - b);
    const figures = [
      ['replicas / libraries', `${REPLICAS} / ${LIBRARIES} (${REPLICAS / LIBRARIES} per library)`],
      ['write rate', `${RATE}/s per replica for ${SECONDS} s (${(REPLICAS * RATE).toFixed(0)}/s offered)`],
      ['cursors', CURSOR_MS === 0 ? 'one per ops frame received (as the sync plugin)' : `at most one per ${CURSOR_MS} ms`],
      ['ops written / acknowledged', `${written} / ${written - lost}`],
      ['accepted ops/s', acceptedPerSecond.toFixed(0)],
      ['ops stored by the server', String(serverOps)],
      ['propagation p50 / p99 / max', `${percentile(sorted, 50).toFixed(1)} / ${percentile(sorted, 99).toFixed(1)} / ${(sorted.at(-1) ?? NaN).toFixed(1)} ms (${sorted.length} deliveries)`],
      ['server RSS start / peak', `${rss.start.toFixed(0)} / ${rss.peak.toFixed(0)} MiB`],
      ['CPU while writing: server / load generator', `${(serverCpu * 100).toFixed(0)}% / ${(loadCpu * 100).toFixed(0)}% of one core`],
      ['drained', drained ? 'yes' : 'NO'],
      ['ops lost (unacked) / missing at a replica', `${lost} / ${missing}`],
      ['replicas diverged from the server', String(diverged)],
      ['errors', errors.length === 0 ? 'none' : [...new Set(errors)].join(', ')],
    ];
    console.log(['| figure | value |', '| --- | --- |', ...figures.map(([k, v]) => `| ${k} | ${v} |`)].join('\n'));
    const ok = drained && lost === 0 && missing === 0 && diverged === 0 && errors.length === 0;
    log(ok ? 'no op lost; every replica converged with the server' : 'FAILED');
    return ok ? 0 : 1;
  } finally {
    clearInterval(sampler);
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
    cli.remove();
    rmSync(dir, { recursive: true, force: true });
  }
}

const watchdog = setTimeout(() => {
  log('watchdog: 15 minutes passed, giving up');
  process.exit(2);
}, 15 * 60_000);
watchdog.unref();
main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);

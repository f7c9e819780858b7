/**
 * The simulated world over 2 or 3 peered servers: each a real core over real SQLite (memory
 * servers), each with its own seeded network for its replicas, linked by peer pipes (peer-pipe.ts).
 * The replicas, stores and actions are world.ts's; a replica's actions reach its home server's
 * network through combineNetworks. After a schedule every server is checked as check.ts checks
 * the one server: every replica holds each server's documents, and each server holds every op
 * any server acknowledged, every op written (or its archive), each once, in a gap-free log.
 */
import { createMemoryServer, createNetwork } from 'trellis/testing';
import type { MemoryServer, Network } from 'trellis/testing';
import type { Claims, VerifyToken } from 'trellis/server';
import { decodeServerMessage } from 'trellis/protocol';
import { IDBFactory } from 'fake-indexeddb';
import { createTestTokenVerifier } from '../../../src/testing/test-tokens.js';
import { verify } from './check.js';
import type { Verdict } from './check.js';
import { createPeerPipe } from './peer-pipe.js';
import type { PeerPipe } from './peer-pipe.js';
import { combineNetworks } from './peered-network.js';
import { peerLinks } from './peered-schedule.js';
import type { PeeredAction, PeeredSchedule } from './peered-schedule.js';
import type { Schedule } from './schedule.js';
import { LIBRARY, TRUANCY_MS, disposeWorld, openSlot, opKey, runAction } from './world.js';
import type { Slot, World } from './world.js';

const START_MS = 1_700_000_000_000;
/** The token each accepting server is dialed with (role `server`; every server knows it). */
const PEER_TOKEN = 'sim-peer-token';

export interface PeeredWorld {
  readonly world: World;
  readonly servers: readonly MemoryServer[];
  readonly pipes: readonly PeerPipe[];
}

let worlds = 0;

function peerVerifier(now: () => number): VerifyToken {
  const replicas = createTestTokenVerifier(now);
  const server: Claims = { library: LIBRARY, user: 'trellis:server:sim', role: 'server', exp: Number.MAX_SAFE_INTEGER };
  return (token) => (token === PEER_TOKEN ? server : replicas(token));
}

export async function createPeeredWorld(schedule: PeeredSchedule): Promise<PeeredWorld> {
  const run = ++worlds;
  const clock = { now: START_MS };
  const serverLogs: World['serverLogs'] = [];
  const acked = new Set<string>();
  const servers = Array.from({ length: schedule.servers }, (_, k) => {
    let epochs = 0;
    return createMemoryServer({
      now: () => clock.now,
      verifyToken: peerVerifier(() => clock.now),
      truancyMs: TRUANCY_MS,
      // Compact often: a peer then gets baselines for what it lacks behind the horizon.
      limits: { compactEveryOps: 4 },
      createId: () => `s${k}epoch${++epochs}`,
      log: (level, event, fields) => {
        if (level === 'warn' || level === 'error') serverLogs.push({ level, event, fields: { ...fields, server: k } });
      },
    });
  });
  const networks: Network[] = servers.map((server, k) =>
    createNetwork({
      server,
      seed: schedule.networkSeed + k,
      tap: ({ direction, frame }) => {
        if (direction !== 'to-client' || typeof frame !== 'string') return;
        const decoded = decodeServerMessage(frame);
        if (!decoded.ok || decoded.value.type !== 'ack') return;
        const { replicaId, fromSeq, toSeq } = decoded.value;
        for (let seq = fromSeq; seq <= toSeq; seq++) acked.add(opKey({ replicaId, seq }));
      },
    }),
  );
  const pipeSeed = createNetwork({ server: servers[0] as MemoryServer, seed: schedule.networkSeed ^ 0x5eed }).prng;
  const pipes = peerLinks(schedule).map(([dialer, acceptor], i) =>
    createPeerPipe({ name: `link${i}`, dialer: servers[dialer] as MemoryServer, acceptor: servers[acceptor] as MemoryServer, library: LIBRARY, token: PEER_TOKEN, prng: pipeSeed.fork() }),
  );
  const homeOf = (name: string) => Number(name.slice(1)) % schedule.servers;
  const network = combineNetworks({ networks, homeOf, pipes, seed: schedule.networkSeed });
  const base = schedule as unknown as Schedule;
  const world: World = { schedule: base, clock, server: servers[0] as MemoryServer, network, slots: [], written: new Map(), acked, accepted: new Map(), seeded: { baselines: [], ops: new Map() }, problems: [], serverLogs, rawFaults: false };
  for (let index = 0; index < schedule.replicas; index++) {
    const autoJoin = (['when-nothing-at-risk', 'never', 'always'] as const)[index % 3] as Slot['autoJoin'];
    const slot = { index, name: `r${index}`, indexedDB: new IDBFactory(), dbName: `peered-${run}-r${index}`, autoJoin, ids: 0, joining: false } as Slot;
    await openSlot(world, slot);
    world.slots.push(slot);
  }
  return { world, servers, pipes };
}

export async function runPeeredAction(peered: PeeredWorld, action: PeeredAction): Promise<void> {
  switch (action.kind) {
    case 'cut-peer':
      peered.pipes[action.link % peered.pipes.length]?.cut();
      break;
    case 'mend-peer':
      peered.pipes[action.link % peered.pipes.length]?.mend();
      break;
    case 'server': {
      const server = peered.servers[action.server] as MemoryServer;
      if (action.what === 'restart') server.restart({ crash: true });
      else server.server.compact();
      break;
    }
    default:
      return runAction(peered.world, action);
  }
  peered.world.clock.now += 10;
  await new Promise<void>((resolve) => setImmediate(resolve));
}

/** check.ts's verdict for each server in turn (the first drains everything: every link mended, every replica live). */
export async function verifyPeered(peered: PeeredWorld): Promise<Verdict> {
  const problems: string[] = [];
  let drainTurns = 0;
  for (const [k, server] of peered.servers.entries()) {
    const verdict = await verify({ ...peered.world, server, problems: k === 0 ? peered.world.problems : [] });
    drainTurns += verdict.drainTurns;
    problems.push(...verdict.problems.map((problem) => `server ${k}: ${problem}`));
  }
  return { ok: problems.length === 0, problems, drainTurns };
}

export async function disposePeeredWorld(peered: PeeredWorld): Promise<void> {
  await disposeWorld(peered.world);
  for (const server of peered.servers.slice(1)) server.close();
}

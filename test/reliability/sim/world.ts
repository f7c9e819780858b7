/**
 * The simulated world one schedule runs in: 3–5 real stores (fake-indexeddb,
 * one IndexedDB factory each, so a closed store reopens on its data), the real
 * sync plugin, the real server core over real SQLite in a temp file, and the
 * seeded network from 'trellis/testing' in place of the sockets. Only the
 * clock and the network are simulated.
 */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { firstValueFrom } from 'rxjs';
import { createStore, isTrellisError } from 'trellis';
import type { Op, Store } from 'trellis';
import { createSync } from 'trellis/sync';
import type { AutoJoin, Sync, SyncState } from 'trellis/sync';
import { decodeServerMessage } from 'trellis/protocol';
import { createMemoryServer, createNetwork, testToken } from 'trellis/testing';
import type { MemoryServer, Network } from 'trellis/testing';
import type { SqlStorage } from 'trellis/server';
import type { DocState } from '../../../src/core/index.js';
import { getStoreHost } from '../../../src/store/index.js';
import { DOC_IDS, NOTE_IDS } from './schedule.js';
import { EdgeProblem, applyBadWrite, applyBigWrite } from './edge-writes.js';
import type { Action, Schedule, Write } from './schedule.js';
import { simSchema } from './sim-schema.js';
import { rejectRules } from './reject-rule.js';

export const LIBRARY = 'sim';
export const TRUANCY_MS = 60_000;
const START_MS = 1_700_000_000_000;
/** Endpoints whose frames are printed (TRELLIS_SIM_TRACE=r0,r2), with every action. */
const TRACE = new Set((process.env.TRELLIS_SIM_TRACE ?? '').split(',').filter(Boolean));

type SimStore = Store<typeof simSchema.definition>;

export interface Slot {
  readonly index: number;
  readonly name: string;
  readonly indexedDB: IDBFactory;
  readonly dbName: string;
  readonly autoJoin: AutoJoin;
  store: SimStore;
  sync: Sync;
  state: SyncState;
  /** Ids handed out by this slot's store, across restarts (list items, replica ids after a reset). */
  ids: number;
  joining: boolean;
}

export interface World {
  readonly schedule: Schedule;
  readonly clock: { now: number };
  readonly server: MemoryServer;
  readonly network: Network;
  readonly slots: Slot[];
  /** Every op any store committed, by `replicaId#seq`. */
  readonly written: Map<string, Op>;
  /** `replicaId#seq` of every op the server acknowledged (seen leaving the server, lost or not). */
  readonly acked: Set<string>;
  /** Every op the server's write rule accepted, by `replicaId#seq` (only when schedule.rejectPercent > 0). */
  readonly accepted: Map<string, Op>;
  /** What seeds stored, which no rule judges (only when schedule.rejectPercent > 0). */
  readonly seeded: Seeded;
  /** Unexpected failures seen while running (a write that threw something it should not, ...). */
  readonly problems: string[];
  /** Client frames are really dropped, duplicated or reordered (WorldOptions.rawClientFaults). */
  readonly rawFaults: boolean;
  /** Server log lines at warn and error level. */
  readonly serverLogs: { level: string; event: string; fields: Record<string, unknown> }[];
}

export interface Seeded {
  readonly baselines: { collection: string; id: string; state: DocState }[];
  readonly ops: Map<string, Op>;
}

/** Right after a seed's commit, the library holds the seed alone: its ops and baselines are what it stored. */
function recordSeed(sql: SqlStorage, seeded: Seeded): void {
  for (const row of sql.exec<{ collection: string; id: string; state: string }>('SELECT collection, id, state FROM baselines WHERE library = ?', LIBRARY)) {
    seeded.baselines.push({ collection: row.collection, id: row.id, state: JSON.parse(row.state) as DocState });
  }
  for (const row of sql.exec<{ replica: string; seq: number; ts: string; collection: string; id: string; change: string }>('SELECT * FROM ops WHERE library = ?', LIBRARY)) {
    const op: Op = { replicaId: row.replica, seq: row.seq, ts: row.ts, collection: row.collection, id: row.id, change: JSON.parse(row.change) };
    seeded.ops.set(opKey(op), op);
  }
}

export const opKey = (op: { replicaId: string; seq: number }) => `${op.replicaId}#${op.seq}`;
export const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

let worlds = 0;

export interface WorldOptions {
  /**
   * Really drop, duplicate and reorder this share of client → server frames on
   * live connections (not a transport a WebSocket could be): the server must
   * stay correct; clients may stall until their connection is renewed.
   */
  readonly rawClientFaults?: number;
}

export async function createWorld(schedule: Schedule, options: WorldOptions = {}): Promise<World> {
  const run = ++worlds;
  const clock = { now: START_MS };
  const serverLogs: World['serverLogs'] = [];
  let epochs = 0;
  const accepted = new Map<string, Op>();
  const seeded: Seeded = { baselines: [], ops: new Map() };
  const rules = rejectRules(schedule.rejectPercent, (op) => accepted.set(opKey(op), op));
  const server = createMemoryServer({
    now: () => clock.now,
    truancyMs: TRUANCY_MS,
    // Compact often, so clients see horizons and the server squashes mid-schedule.
    limits: { compactEveryOps: 4 },
    createId: () => `epoch${++epochs}`,
    // An authoritative server has the app's schema too: without it, an update whose put was rejected would leave a partial document.
    ...(rules === undefined ? {} : { rules, schema: simSchema }),
    log: (level, event, fields) => {
      if (level === 'warn' || level === 'error') serverLogs.push({ level, event, fields });
      // A seed is stored unjudged (no rule runs): what it stored joins the accepted ops' reference.
      if (event === 'seed.committed' && rules !== undefined) recordSeed(server.sql, seeded);
    },
  });
  const acked = new Set<string>();
  const network = createNetwork({
    server,
    seed: schedule.networkSeed,
    tap: ({ endpoint, link, direction, frame }) => {
      if (TRACE.has(endpoint)) console.log(`[${clock.now - START_MS}] ${endpoint}#${link} ${direction === 'to-server' ? '→' : '←'} ${String(frame).slice(0, 300)}`);
      if (direction !== 'to-client' || typeof frame !== 'string') return;
      const decoded = decodeServerMessage(frame);
      if (decoded.ok && decoded.value.type === 'ack') {
        const { replicaId, fromSeq, toSeq } = decoded.value;
        for (let seq = fromSeq; seq <= toSeq; seq++) acked.add(opKey({ replicaId, seq }));
      }
    },
  });
  const raw = options.rawClientFaults ?? 0;
  if (raw > 0) network.setFaults({ drop: raw / 3, duplicate: raw / 3, reorder: raw / 3, preserveOrder: false, direction: 'to-server' });
  const world: World = { schedule, clock, server, network, slots: [], written: new Map(), acked, accepted, seeded, problems: [], serverLogs, rawFaults: raw > 0 };
  for (let index = 0; index < schedule.replicas; index++) {
    const slot = {
      index,
      name: `r${index}`,
      indexedDB: new IDBFactory(),
      dbName: `sim-${run}-r${index}`,
      autoJoin: (['when-nothing-at-risk', 'never', 'always'] as const)[index % 3] as AutoJoin,
      ids: 0,
      joining: false,
    } as Slot;
    await openSlot(world, slot);
    world.slots.push(slot);
  }
  return world;
}

/** Opens the slot's store and sync on `world.network` (peered-world.ts opens its slots on its own servers' networks). */
export async function openSlot(world: World, slot: Slot): Promise<void> {
  const skew = world.schedule.skews[slot.index] ?? 0;
  slot.store = await createStore({
    name: slot.dbName,
    schema: simSchema,
    indexedDB: slot.indexedDB as unknown as globalThis.IDBFactory,
    IDBKeyRange: IDBKeyRange as unknown as typeof globalThis.IDBKeyRange,
    now: () => world.clock.now + skew,
    createId: () => `${slot.name}i${++slot.ids}`,
  });
  getStoreHost(slot.store).localOps.subscribe((ops) => {
    for (const op of ops) world.written.set(opKey(op), op);
  });
  slot.state = { phase: 'connecting', pending: 0 };
  slot.joining = false;
  slot.sync = createSync(slot.store, {
    url: 'ws://memory',
    library: LIBRARY,
    token: testToken({ library: LIBRARY, user: slot.name }),
    transport: world.network.transport(slot.name),
    autoJoin: slot.autoJoin,
  });
  const sync = slot.sync;
  sync.state.subscribe((state) => {
    if (slot.sync === sync) slot.state = state;
  });
}

async function closeSlot(slot: Slot): Promise<void> {
  await slot.sync.stop();
  await slot.store.close();
}

export async function disposeWorld(world: World): Promise<void> {
  for (const slot of world.slots) await closeSlot(slot).catch(() => {});
  world.network.close();
  world.server.close();
  for (const slot of world.slots) slot.indexedDB.deleteDatabase(slot.dbName);
}

/** Refusals a user can legitimately get from a write (the document is gone, the list changed, the schema says no). */
const EXPECTED_WRITE_ERRORS = new Set(['NOT_FOUND', 'INVALID_ARGUMENT', 'SCHEMA_VIOLATION', 'OP_INVALID']);
class Abort extends Error {}

export async function runAction(world: World, action: Action): Promise<void> {
  const { network, clock } = world;
  if (TRACE.size > 0) console.log(`[${clock.now - START_MS}] action ${JSON.stringify(action)}`);
  switch (action.kind) {
    case 'write': {
      const slot = world.slots[action.replica] as Slot;
      try {
        await applyWrite(world, slot, action.write);
      } catch (err) {
        // An EdgeProblem is a broken expectation (a bad write accepted): never an expected refusal.
        if (err instanceof EdgeProblem || (!(err instanceof Abort) && !(isTrellisError(err) && EXPECTED_WRITE_ERRORS.has(err.code)))) {
          world.problems.push(`write ${JSON.stringify(action.write)} on ${slot.name} threw ${String(err)}`);
        }
      }
      break;
    }
    case 'deliver':
      for (let i = 0; i < action.count && network.deliverOne(); i++) await turn();
      break;
    case 'turns':
      for (let i = 0; i < action.count; i++) await turn();
      break;
    case 'sever':
      network.sever(slotName(action.replica));
      break;
    case 'partition':
      network.partition(slotName(action.replica));
      break;
    case 'heal':
      network.heal(slotName(action.replica));
      break;
    case 'restart-replica': {
      const slot = world.slots[action.replica] as Slot;
      await closeSlot(slot);
      await openSlot(world, slot);
      break;
    }
    case 'restart-server':
      world.server.restart({ crash: true });
      break;
    case 'compact-server':
      world.server.server.compact();
      break;
    case 'compact-replica':
      await (world.slots[action.replica] as Slot).store.compact();
      break;
    case 'truant':
      network.partition(slotName(action.replica));
      network.sever(slotName(action.replica));
      clock.now += TRUANCY_MS + 1000;
      break;
    case 'faults':
      network.setFaults({ drop: action.rate / 3, duplicate: action.rate / 3, reorder: action.rate / 3 });
      break;
    case 'join':
      consent(world.slots[action.replica] as Slot);
      break;
    case 'clock':
      clock.now += action.ms;
      break;
  }
  clock.now += 10;
  await turn();
}

const slotName = (index: number) => `r${index}`;

/** The user clicks "Join library" if the replica asks for it. */
export function consent(slot: Slot): void {
  if (slot.state.phase !== 'join-required' || slot.joining) return;
  slot.joining = true;
  const sync = slot.sync;
  sync.join().then(
    () => undefined,
    () => undefined,
  ).finally(() => {
    if (slot.sync === sync) slot.joining = false;
  });
}

/** List lengths by document, read before a transaction starts (awaiting a live query inside one would close it). */
type Lengths = ReadonlyMap<string, number | undefined>;

async function readLengths(slot: Slot): Promise<Map<string, number | undefined>> {
  const lengths = new Map<string, number | undefined>();
  for (const id of DOC_IDS) lengths.set(id, (await firstValueFrom(slot.store.collection('todos').get(id)))?.tags.length);
  return lengths;
}

async function applyWrite(world: World, slot: Slot, write: Write, lengths?: Lengths): Promise<void> {
  const store = slot.store;
  const todos = store.collection('todos');
  const id = DOC_IDS['doc' in write ? write.doc : 0] as string;
  const tags = async (): Promise<number> => {
    const length = lengths === undefined ? (await firstValueFrom(todos.get(id)))?.tags.length : lengths.get(id);
    if (length === undefined) throw new Abort();
    return length;
  };
  switch (write.kind) {
    case 'put':
      return todos.put({ id, title: write.title, tags: [...write.tags], createdAt: world.clock.now });
    case 'title':
      return todos.update(id, { title: write.title });
    case 'done':
      return todos.update(id, { done: write.done });
    case 'color':
      return todos.update(id, { meta: { color: write.color } });
    case 'delete':
      return todos.delete(id);
    case 'list-push':
      return todos.listPush(id, 'tags', write.tag);
    case 'list-insert':
      return todos.listInsert(id, 'tags', Math.floor(write.at * ((await tags()) + 1)), write.tag);
    case 'list-move': {
      const length = await tags();
      if (length === 0) return;
      return todos.listMove(id, 'tags', Math.floor(write.from * length), Math.floor(write.to * length));
    }
    case 'list-remove': {
      const length = await tags();
      if (length === 0) return;
      return todos.listRemove(id, 'tags', Math.floor(write.at * length));
    }
    case 'count':
      return todos.increment(id, 'createdAt', write.by);
    case 'note':
      return store.collection('notes').put({ id: NOTE_IDS[write.doc] as string, text: write.text });
    case 'big':
      return applyBigWrite(store, write.doc, write.over, write.wide);
    case 'bad':
      return applyBadWrite(store, write.doc, write.how, write.api, () => world.written.size);
    case 'label':
      // A computed `__proto__` key is an own property (no prototype change), as JSON.parse makes it.
      return todos.update(id, { labels: { [write.key]: write.value } as Record<string, string> });
    case 'transaction': {
      const before = await readLengths(slot);
      return store.transaction(async () => {
        for (const inner of write.writes) await applyWrite(world, slot, inner, before);
        if (write.abort) throw new Abort();
      });
    }
  }
}

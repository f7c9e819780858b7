/**
 * After a schedule: heal and drain, then the invariants.
 *
 * 1. Convergence: every replica and the server hold identical documents.
 * 2. Durability: every op the server acknowledged is present on the server.
 * 3. No silent loss: every op any store committed is present on the server,
 *    or sits in an archive of the replica that a reset took it from (or, for
 *    a store that compacted before it ever synced, is superseded by an
 *    archived op: such a store archives its documents' compacted state).
 * 4. The server's log is sane: server seqs horizon+1..head, gap-free, each op
 *    valid on the wire, no (replicaId, seq) twice.
 * 5. Rejections (schedule.rejectPercent > 0, reject-rule.ts): no op the rule
 *    rejects is stored or acknowledged, and the server's documents are the
 *    fold of exactly the ops the rule accepted (so, by 1, every replica's are
 *    too); a rejected op is exempt from 3, and so is an op the server's schema
 *    refused (schema-refused.ts: an update of a document whose put the rule
 *    rejected, judged while the server held no such document).
 *
 * "Present" means folding the op into the document's state changes nothing:
 * the op is in it, or a newer write made it irrelevant (it still counts).
 */
import * as v from 'valibot';
import { firstValueFrom } from 'rxjs';
import type { JsonObject, Op } from 'trellis';
import type { DocState } from '../../../src/core/index.js';
import { OpSchema } from 'trellis/protocol';
import { applyOps, emptyDocState, materialize, mergeStates } from '../../../src/merge/index.js';
import { applyDefaults } from '../../../src/schema/index.js';
import type { FieldsDef } from '../../../src/schema/index.js';
import { SIM_COLLECTIONS, simSchema } from './sim-schema.js';
import { LIBRARY, consent, opKey, turn } from './world.js';
import { rejects } from './reject-rule.js';
import { schemaRefuses } from './schema-refused.js';
import type { Slot, World } from './world.js';

/** Event-loop turns the drain may take before the schedule counts as stuck. */
const MAX_DRAIN_TURNS = 30_000;
/** Turns with nothing moving before the world counts as quiet. */
const QUIET_TURNS = 40;

export interface Verdict {
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly drainTurns: number;
}

/** Heals every partition, stops faults and delivers until nothing moves and every replica is live with nothing pending. */
export async function drain(world: World): Promise<{ settled: boolean; turns: number }> {
  const { network } = world;
  network.setFaults({ drop: 0, duplicate: 0, reorder: 0, preserveOrder: true, direction: 'both' });
  network.heal();
  // Fresh connections: a client stalled by frames a raw fault lost or reordered starts over.
  // (Not otherwise: a session stuck on an honest transport is a bug the drain must show.)
  if (world.rawFaults) for (const slot of world.slots) network.sever(slot.name);
  let quiet = 0;
  for (let i = 0; i < MAX_DRAIN_TURNS; i++) {
    const moved = network.deliver(200);
    for (const slot of world.slots) consent(slot);
    await turn();
    const still = moved === 0 && network.pending() === 0 && world.slots.every((s) => s.state.phase === 'live' && s.state.pending === 0);
    quiet = still ? quiet + 1 : 0;
    if (quiet >= QUIET_TURNS) return { settled: true, turns: i };
  }
  return { settled: false, turns: MAX_DRAIN_TURNS };
}

export async function verify(world: World): Promise<Verdict> {
  const problems = [...world.problems];
  const { settled, turns } = await drain(world);
  if (!settled) {
    problems.push(`did not settle: ${world.slots.map((s) => `${s.name}=${JSON.stringify(s.state)}`).join(' ')} pending=${world.network.pending()}`);
  }
  const server = serverStates(world, problems);
  const serverDocs = documents(server);
  const reference = checkRejections(world, { serverDocs, problems });
  for (const slot of world.slots) {
    const docs = await replicaDocs(slot);
    const diff = firstDifference(serverDocs, docs);
    if (diff !== undefined) problems.push(`${slot.name} (${slot.store.replicaId}) differs from the server at ${diff}`);
  }
  const present = (op: Op): boolean => {
    const state = server.get(docKey(op)) ?? emptyDocState;
    return sameState(applyOps(state, [op]), state);
  };
  for (const key of world.acked) {
    const op = world.written.get(key);
    if (op === undefined) problems.push(`acked op ${key} was never written by a store`);
    else if (!present(op)) problems.push(`acked op ${key} is missing on the server: ${JSON.stringify(op)}`);
  }
  const archived = new Map<string, Op>();
  for (const slot of world.slots) {
    for (const archive of await firstValueFrom(slot.store.archives)) for (const op of archive.ops) archived.set(opKey(op), op);
  }
  // Server state plus every archived op: what the replicas hold or could re-apply.
  const recoverable = new Map(server);
  for (const op of archived.values()) recoverable.set(docKey(op), applyOps(recoverable.get(docKey(op)) ?? emptyDocState, [op]));
  // A put rebuilt from a compacted head holds the document's values where newer writes overwrote it
  // (the merge drops what they overwrote): next to everything else recoverable, it must act as the original.
  const sameEffect = (copy: Op, op: Op): boolean => {
    if (copy.change.kind !== 'put' || op.change.kind !== 'put') return false;
    const others = [...archived.values()].filter((o) => docKey(o) === docKey(op) && opKey(o) !== opKey(op));
    const base = applyOps(server.get(docKey(op)) ?? emptyDocState, others);
    return JSON.stringify(materialize(applyOps(base, [copy]))) === JSON.stringify(materialize(applyOps(base, [op])));
  };
  const percent = world.schedule.rejectPercent;
  // Refused by the rule, or by the schema wherever the server judged it: rolled back and reported, not lost.
  const written = [...world.written.values()];
  const refused = (op: Op): boolean => rejects(op, percent) || (reference !== undefined && schemaRefuses(op, { reference: reference.get(docKey(op)), written, percent }));
  for (const [key, op] of world.written) {
    if (present(op) || refused(op)) continue;
    const copy = archived.get(key);
    if (copy !== undefined && JSON.stringify(copy) !== JSON.stringify(op) && !sameEffect(copy, op)) problems.push(`op ${key} was archived altered: ${JSON.stringify(copy)}`);
    // A store that compacted before it ever synced archives its documents' compacted state, where
    // a write its own later write superseded is gone; the later write carries it.
    const state = recoverable.get(docKey(op)) ?? emptyDocState;
    if (copy === undefined && !sameState(applyOps(state, [op]), state)) {
      problems.push(`op ${key} was discarded without an archive: ${JSON.stringify(op)}`);
    }
  }
  const internal = world.serverLogs.filter((l) => l.level === 'error');
  if (internal.length > 0) problems.push(`server logged errors: ${JSON.stringify(internal.slice(0, 3))}`);
  return { ok: problems.length === 0, problems, drainTurns: turns };
}

const docKey = (o: { collection: string; id: string }) => `${o.collection}\u0000${o.id}`;

/**
 * Invariant 5: the reference is computed from the accepted ops alone, not from what the server stored.
 * Returns it (each document's state from the seed and the accepted ops); undefined when nothing is rejected.
 */
function checkRejections(world: World, o: { serverDocs: Docs; problems: string[] }): Map<string, DocState> | undefined {
  const percent = world.schedule.rejectPercent;
  if (percent <= 0) return undefined;
  for (const key of world.acked) {
    const op = world.written.get(key);
    if (op !== undefined && rejects(op, percent)) o.problems.push(`rejected op ${key} was acknowledged`);
  }
  const reference = new Map<string, DocState>();
  for (const b of world.seeded.baselines) reference.set(docKey(b), mergeStates(reference.get(docKey(b)) ?? emptyDocState, b.state));
  for (const op of [...world.seeded.ops.values(), ...world.accepted.values()]) reference.set(docKey(op), applyOps(reference.get(docKey(op)) ?? emptyDocState, [op]));
  for (const op of world.accepted.values()) {
    if (rejects(op, percent)) o.problems.push(`the rule accepted ${opKey(op)}, which it rejects`);
  }
  const diff = firstDifference(documents(reference), o.serverDocs);
  if (diff !== undefined) o.problems.push(`the server's documents are not the seed's and the accepted ops' (server = reference, replica = server): ${diff}`);
  return reference;
}

function sameState(a: DocState, b: DocState): boolean {
  return a === b || JSON.stringify(a.entries) === JSON.stringify(b.entries);
}

/** Each document's state on the server (baseline + ops), checking the log's shape on the way. */
function serverStates(world: World, problems: string[]): Map<string, DocState> {
  const sql = world.server.sql;
  const library = sql.exec<{ head_seq: number; horizon: number }>('SELECT head_seq, horizon FROM libraries WHERE library = ?', LIBRARY)[0];
  const states = new Map<string, DocState>();
  if (library === undefined) return states;
  for (const row of sql.exec<{ collection: string; id: string; state: string }>('SELECT collection, id, state FROM baselines WHERE library = ?', LIBRARY)) {
    states.set(docKey(row), JSON.parse(row.state) as DocState);
  }
  const rows = sql.exec<{ server_seq: number; replica: string; seq: number; ts: string; collection: string; id: string; change: string }>(
    'SELECT * FROM ops WHERE library = ? ORDER BY server_seq',
    LIBRARY,
  );
  const seen = new Set<string>();
  rows.forEach((row, i) => {
    const op: Op = { replicaId: row.replica, seq: row.seq, ts: row.ts, collection: row.collection, id: row.id, change: JSON.parse(row.change) };
    if (row.server_seq !== library.horizon + i + 1) problems.push(`server log gap: row ${i} has server seq ${row.server_seq}, horizon ${library.horizon}`);
    if (!v.is(OpSchema, op)) problems.push(`server stored an op invalid on the wire: ${JSON.stringify(op)}`);
    if (seen.has(opKey(op))) problems.push(`server stored ${opKey(op)} twice`);
    if (rejects(op, world.schedule.rejectPercent) && !world.seeded.ops.has(opKey(op))) problems.push(`server stored ${opKey(op)}, which its rule rejects`);
    seen.add(opKey(op));
    states.set(docKey(op), applyOps(states.get(docKey(op)) ?? emptyDocState, [op]));
  });
  if (library.horizon + rows.length !== library.head_seq) problems.push(`server head ${library.head_seq} != horizon ${library.horizon} + ${rows.length} ops`);
  return states;
}

type Docs = Map<string, JsonObject>;

/** Visible documents (defaults filled in, as a store shows them), by collection and id. */
function documents(states: Map<string, DocState>): Docs {
  const docs: Docs = new Map();
  for (const [key, state] of states) {
    // Split at the first NUL only: collection names have none, ids are data.
    const at = key.indexOf('\u0000');
    const [collection, id] = [key.slice(0, at), key.slice(at + 1)];
    const def = simSchema.definition.collections[collection as keyof typeof simSchema.definition.collections];
    const doc = materialize(state);
    if (def === undefined || doc === undefined) continue;
    docs.set(docKey({ collection, id }), applyDefaults(def.fields as FieldsDef, doc));
  }
  return docs;
}

async function replicaDocs(slot: Slot): Promise<Docs> {
  const docs: Docs = new Map();
  for (const collection of SIM_COLLECTIONS) {
    const list = (await firstValueFrom(slot.store.collection(collection).find())) as JsonObject[];
    for (const doc of list) docs.set(docKey({ collection, id: String(doc.id) }), doc);
  }
  return docs;
}

function firstDifference(expected: Docs, actual: Docs): string | undefined {
  const keys = [...new Set([...expected.keys(), ...actual.keys()])].sort();
  for (const key of keys) {
    const a = expected.get(key);
    const b = actual.get(key);
    if (canonical(a) !== canonical(b)) return `${key.replace('\u0000', '/')}: server ${canonical(a)} replica ${canonical(b)}`;
  }
  return undefined;
}

/** JSON with sorted keys, own `__proto__` keys included. */
function canonical(value: unknown): string {
  if (value === undefined) return 'absent';
  return JSON.stringify(value, (_key, item: unknown) =>
    item !== null && typeof item === 'object' && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item as object).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : item,
  );
}

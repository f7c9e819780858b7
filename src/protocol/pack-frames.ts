/**
 * The sender's side of the packed form (packed.ts): items, in order, cut into
 * frames under a byte budget as cutFrames cuts plain ones, each frame's
 * tables (replicas, shapes) built as its items arrive. The UTF-8 bytes are
 * counted exactly: every piece is serialized once and joined, never again.
 */
import { parseTimestamp } from '../core/index.js';
import type { Baseline } from '../core/index.js';
import { jsonBytes } from './frames.js';
import type { ServerOp } from './op.js';
import { splitStamp, timeLeaves } from './packed.js';
import { shapeChange } from './packed-shape.js';
import { utf8Length } from './utf8.js';

/** One item to send; `bytes`, when known, is the UTF-8 size of its plain JSON (saves serializing it). */
export type PackItem = { readonly baseline: Baseline; readonly bytes?: number } | { readonly entry: ServerOp; readonly bytes?: number };

/** One frame's packed object (its JSON text) and how many items of each kind it holds. */
export interface PackedGroup {
  readonly packed: string;
  readonly baselines: number;
  readonly ops: number;
}

/** The packed object of a frame without items. Its t0 has the length of every t0, so frames are sized against it. */
export const EMPTY_PACKED = JSON.stringify({ replicas: [], t0: '0000000000000', shapes: [], baselines: [], ops: [] });

/** A frame's text: the message's other fields, then `packed`. */
export function packedFrame(message: object, packed: string): string {
  const head = JSON.stringify(message);
  return head === '{}' ? `{"packed":${packed}}` : `${head.slice(0, -1)},"packed":${packed}}`;
}

interface Draft {
  readonly replicas: Map<string, number>;
  readonly shapes: Map<string, number>;
  readonly baselineRows: string[];
  readonly opRows: string[];
  readonly t0: string;
  readonly t0ms: number;
  /** UTF-8 bytes the items and their table entries add to the empty packed object. */
  bytes: number;
}

/** What one item adds to a draft: its row, and the table entries it needs that the draft lacks. */
interface Addition {
  readonly row: string;
  readonly newReplicas: readonly string[];
  readonly newShape: string | undefined;
  readonly bytes: number;
  readonly baseline: boolean;
}

const itemTs = (item: PackItem) => ('baseline' in item ? item.baseline.ts : item.entry.op.ts);

function newDraft(t0: string): Draft {
  return { replicas: new Map(), shapes: new Map(), baselineRows: [], opRows: [], t0, t0ms: parseTimestamp(t0).ms, bytes: 0 };
}

/** The packed row of an item against a draft, and what it costs there (commas included). */
function packedAddition(item: PackItem, draft: Draft): Addition {
  const newReplicas: string[] = [];
  const replicaIndex = (id: string): number => {
    const known = draft.replicas.get(id);
    if (known !== undefined) return known;
    const pending = newReplicas.indexOf(id);
    if (pending >= 0) return draft.replicas.size + pending;
    newReplicas.push(id);
    return draft.replicas.size + newReplicas.length - 1;
  };
  const stamp = (ts: string, replicaId: string): number[] => [replicaIndex(replicaId), ...timeLeaves(ts, draft.t0ms)];
  const leaves: unknown[] = [];
  let shape: unknown[];
  if ('baseline' in item) {
    const { collection, id, state, replicaId, ts } = item.baseline;
    leaves.push(id);
    const changes = state.entries.map((entry) => {
      const split = splitStamp(entry.stamp);
      leaves.push(...stamp(split.ts, split.replicaId), entry.seq);
      return shapeChange(entry.change, leaves);
    });
    const last = state.entries.at(-1)?.stamp;
    const explicit = last === undefined || last !== ts + replicaId ? 1 : 0;
    if (explicit === 1) leaves.push(...stamp(ts, replicaId));
    shape = ['b', collection, changes, explicit];
  } else {
    const { serverSeq, op } = item.entry;
    leaves.push(serverSeq, op.id, ...stamp(op.ts, op.replicaId), op.seq);
    shape = ['o', op.collection, shapeChange(op.change, leaves)];
  }
  const shapeJson = JSON.stringify(shape);
  const known = draft.shapes.get(shapeJson);
  const newShape = known === undefined ? shapeJson : undefined;
  const row = JSON.stringify([known ?? draft.shapes.size, ...leaves]);
  let bytes = listBytes(draft.replicas.size, newReplicas.map((r) => JSON.stringify(r)));
  if (newShape !== undefined) bytes += listBytes(draft.shapes.size, [newShape]);
  bytes += listBytes(rowCount(draft, item), [row]);
  return { row, newReplicas, newShape, bytes, baseline: 'baseline' in item };
}

/** The item's plain JSON as its row: no table entries. */
function plainAddition(item: PackItem, draft: Draft, plainBytes: number): Addition {
  const row = JSON.stringify('baseline' in item ? item.baseline : item.entry);
  return { row, newReplicas: [], newShape: undefined, bytes: listBytes(rowCount(draft, item), [row], plainBytes), baseline: 'baseline' in item };
}

const rowCount = (draft: Draft, item: PackItem) => ('baseline' in item ? draft.baselineRows.length : draft.opRows.length);

/** UTF-8 bytes of appending `jsons` to a JSON array that holds `length` elements (commas included). */
function listBytes(length: number, jsons: readonly string[], knownBytes?: number): number {
  let bytes = 0;
  jsons.forEach((json, i) => {
    bytes += (length + i > 0 ? 1 : 0) + (knownBytes ?? utf8Length(json));
  });
  return bytes;
}

/** The cheaper of the item's packed and plain rows in this draft: a packed frame never grows past the plain one. */
function additionOf(item: PackItem, draft: Draft): Addition {
  const packed = packedAddition(item, draft);
  // Without new table entries a row is smaller than the plain JSON: it drops the keys, and a stamp's
  // three numbers (at most ~30 characters) replace at least `"stamp":"<13 + replica>"` with its keys.
  if (packed.newShape === undefined && packed.newReplicas.length === 0) return packed;
  const plainBytes = item.bytes ?? jsonBytes('baseline' in item ? item.baseline : item.entry);
  const plainCost = listBytes(rowCount(draft, item), [''], plainBytes);
  return packed.bytes <= plainCost ? packed : plainAddition(item, draft, plainBytes);
}

function commit(draft: Draft, addition: Addition): void {
  for (const replica of addition.newReplicas) draft.replicas.set(replica, draft.replicas.size);
  if (addition.newShape !== undefined) draft.shapes.set(addition.newShape, draft.shapes.size);
  (addition.baseline ? draft.baselineRows : draft.opRows).push(addition.row);
  draft.bytes += addition.bytes;
}

function groupOf(draft: Draft): PackedGroup {
  const replicas = [...draft.replicas.keys()].map((r) => JSON.stringify(r)).join(',');
  const shapes = [...draft.shapes.keys()].join(',');
  const packed = `{"replicas":[${replicas}],"t0":${JSON.stringify(draft.t0)},"shapes":[${shapes}],"baselines":[${draft.baselineRows.join(',')}],"ops":[${draft.opRows.join(',')}]}`;
  return { packed, baselines: draft.baselineRows.length, ops: draft.opRows.length };
}

export interface PackOptions {
  /** UTF-8 bytes of the frame with EMPTY_PACKED (packedFrame) and its other fields at their largest. */
  readonly envelopeBytes: number;
  /** Most bytes of one frame. Only an item too big for it alone makes a bigger frame, with nothing else. */
  readonly budgetBytes: number;
}

/**
 * Groups items, in order, into packed objects whose frames are at most
 * `budgetBytes` (the envelope plus everything the items add). An item that
 * does not fit even alone travels alone. Lazy: items are read as frames fill.
 */
export function* packFrames(items: Iterable<PackItem>, o: PackOptions): Generator<PackedGroup> {
  let draft: Draft | undefined;
  for (const item of items) {
    draft ??= newDraft(itemTs(item));
    let addition = additionOf(item, draft);
    if (rowsIn(draft) > 0 && o.envelopeBytes + draft.bytes + addition.bytes > o.budgetBytes) {
      yield groupOf(draft);
      draft = newDraft(itemTs(item));
      addition = additionOf(item, draft);
    }
    commit(draft, addition);
  }
  if (draft !== undefined) yield groupOf(draft);
}

const rowsIn = (draft: Draft) => draft.baselineRows.length + draft.opRows.length;

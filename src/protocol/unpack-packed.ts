/**
 * The receiver's side of the packed form (packed.ts): a packed `ops` or
 * `snapshot` frame back to the plain message, which the codec then validates
 * with the plain schemas. Only the packed structure is checked here; what it
 * decodes to (names, timestamps, JSON) is the plain schema's to check.
 */
import * as v from 'valibot';
import { formatTimestamp, parseTimestamp, TS_LENGTH } from '../core/index.js';
import type { Baseline, StateEntry } from '../core/index.js';
import { MAX_BASELINE_BYTES, MAX_OP_BYTES } from './limits.js';
import type { ServerOp } from './op.js';
import { PackedSchema } from './packed.js';
import type { Packed } from './packed.js';
import { leafReader, PackProblem, readChange } from './packed-shape.js';
import type { LeafReader } from './packed-shape.js';
import { unpackedBounds } from './unpacked-size.js';

/** Highest milliseconds and counter a timestamp holds (13 base-36 digits: 9 and 4). */
const MAX_MS = 36 ** 9 - 1;
const COUNTER_DIGITS = 4;
const MAX_COUNTER = 36 ** COUNTER_DIGITS - 1;

/** Whether a parsed frame is in the packed form (`packed` instead of `ops` / `baselines`). */
export function isPacked(value: unknown): value is { type: 'ops' | 'snapshot'; packed: unknown } {
  if (typeof value !== 'object' || value === null || !Object.hasOwn(value, 'packed')) return false;
  const { type } = value as { type?: unknown };
  return type === 'ops' || type === 'snapshot';
}

/**
 * The plain message of a packed frame; a PackProblem when `packed` is not the
 * packed form. The frame's other fields pass through untouched: the plain
 * schema checks them, and the items, next.
 */
export function unpackMessage(value: { type: 'ops' | 'snapshot'; packed: unknown }): unknown {
  const result = v.safeParse(PackedSchema, value.packed, { abortEarly: true });
  if (!result.success) {
    const issue = result.issues[0];
    const path = (issue.path ?? []).map((item) => String(item.key)).join('.');
    throw new PackProblem(`${path === '' ? 'packed' : path}: ${issue.message}`);
  }
  if (Object.hasOwn(value, 'ops') || Object.hasOwn(value, 'baselines')) throw new PackProblem('a packed frame also holds plain items');
  const { packed: _, ...rest } = value;
  const { baselines, ops } = unpack(result.output);
  if (value.type === 'ops' && baselines.length > 0) throw new PackProblem('an ops frame holds baselines');
  return value.type === 'ops' ? { ...rest, ops } : { ...rest, baselines, ops };
}

interface Tables {
  readonly packed: Packed;
  readonly t0ms: number;
  /** Halves of timestamps already formatted in this frame (milliseconds, counter): rows written together repeat them. */
  readonly msText: Map<number, string>;
  readonly counterText: Map<number, string>;
}

function unpack(packed: Packed): { baselines: unknown[]; ops: unknown[] } {
  const tables: Tables = { packed, t0ms: parseTimestamp(packed.t0).ms, msText: new Map(), counterText: new Map() };
  const bounds = unpackedBounds(packed.shapes);
  // A plain row is its own JSON, within the frame: as bounded as in a plain frame.
  const baselines = packed.baselines.map((row) => {
    if (!Array.isArray(row)) return row;
    const baseline = readBaseline(tables, row);
    bounds.check(row, baseline, MAX_BASELINE_BYTES);
    return baseline;
  });
  const ops = packed.ops.map((row) => {
    if (!Array.isArray(row)) return row;
    const entry = readOp(tables, row);
    // The limit is the op's (opBytes), without the serverSeq wrapped around it.
    bounds.check(row, entry.op, MAX_OP_BYTES);
    return entry;
  });
  return { baselines, ops };
}

function shapeOf(tables: Tables, row: readonly unknown[], tag: 'b' | 'o'): unknown[] {
  const index = row[0];
  const shape = typeof index === 'number' ? tables.packed.shapes[index] : undefined;
  if (!Array.isArray(shape) || shape[0] !== tag) throw new PackProblem(`a ${tag === 'b' ? 'baseline' : 'op'} row names no ${tag === 'b' ? 'baseline' : 'op'} shape`);
  return shape;
}

/** A stamp's three leaves back to its timestamp and replica id. */
function readStamp(tables: Tables, leaves: LeafReader): { ts: string; replicaId: string } {
  const [r, dms, counter] = [leaves.next(), leaves.next(), leaves.next()];
  const replicaId = typeof r === 'number' ? tables.packed.replicas[r] : undefined;
  if (replicaId === undefined) throw new PackProblem('a row names a replica the frame does not list');
  const ms = tables.t0ms + (dms as number);
  if (!Number.isSafeInteger(dms) || ms < 0 || ms > MAX_MS || !Number.isSafeInteger(counter) || (counter as number) < 0 || (counter as number) > MAX_COUNTER) {
    throw new PackProblem('a row holds a timestamp out of range');
  }
  return { ts: timestampText(tables, ms, counter as number), replicaId };
}

/** formatTimestamp({ms, counter}), each half formatted once per frame. */
function timestampText(tables: Tables, ms: number, counter: number): string {
  let high = tables.msText.get(ms);
  if (high === undefined) tables.msText.set(ms, (high = formatTimestamp({ ms, counter: 0 }).slice(0, TS_LENGTH - COUNTER_DIGITS)));
  let low = tables.counterText.get(counter);
  if (low === undefined) tables.counterText.set(counter, (low = formatTimestamp({ ms: 0, counter }).slice(TS_LENGTH - COUNTER_DIGITS)));
  return high + low;
}

function readBaseline(tables: Tables, row: readonly unknown[]): Baseline {
  const shape = shapeOf(tables, row, 'b');
  const [, collection, changes, explicit] = shape;
  if (shape.length !== 4 || !Array.isArray(changes) || (explicit !== 0 && explicit !== 1)) throw new PackProblem('a baseline shape is malformed');
  const leaves = leafReader(row, 1);
  const id = leaves.next() as string;
  const entries: StateEntry[] = changes.map((change: unknown) => {
    const { ts, replicaId } = readStamp(tables, leaves);
    const seq = leaves.next() as number;
    return { stamp: ts + replicaId, seq, change: readChange(change, leaves) };
  });
  let stamp: { ts: string; replicaId: string };
  if (explicit === 1) stamp = readStamp(tables, leaves);
  else {
    const last = entries.at(-1);
    if (last === undefined) throw new PackProblem('a baseline without entries must carry its stamp');
    stamp = { ts: last.stamp.slice(0, TS_LENGTH), replicaId: last.stamp.slice(TS_LENGTH) };
  }
  if (!leaves.done()) throw new PackProblem('a baseline row has more leaves than its shape needs');
  return { collection: collection as string, id, state: { entries }, replicaId: stamp.replicaId, ts: stamp.ts };
}

function readOp(tables: Tables, row: readonly unknown[]): ServerOp {
  const shape = shapeOf(tables, row, 'o');
  if (shape.length !== 3) throw new PackProblem('an op shape is malformed');
  const leaves = leafReader(row, 1);
  const [serverSeq, id] = [leaves.next() as number, leaves.next() as string];
  const { ts, replicaId } = readStamp(tables, leaves);
  const seq = leaves.next() as number;
  const change = readChange(shape[2], leaves);
  if (!leaves.done()) throw new PackProblem('an op row has more leaves than its shape needs');
  return { serverSeq, op: { replicaId, seq, ts, collection: shape[1] as string, id, change } };
}

/**
 * The wire schemas of the shared data: ops, changes, doc states, baselines.
 * Their outputs are assignable to and from the core types (checked below), so
 * a decoded op is a `core` Op and a core Op can be sent as is.
 */
import * as v from 'valibot';
import { isReplicaId, isTimestamp, parseTimestamp, TS_LENGTH } from '../core/index.js';
import type { Baseline, Change, DocState, Json, JsonObject, Op } from '../core/index.js';
import { isBoundedJson, isBoundedJsonObject, jsonObjectProblem, jsonProblem } from './json.js';
import { MAX_EPOCH_LENGTH, MAX_PATH_SEGMENTS, MAX_POSITION_LENGTH, MAX_TIMESTAMP_MS } from './limits.js';
import { isWireName, nameProblem, unicodeProblem } from './names.js';

/** Path segments that would reach an object's prototype in naive consumers. */
const FORBIDDEN_SEGMENTS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

export const ReplicaIdSchema = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'Expected a replica id: 1 to 64 of A-Z a-z 0-9 _ -'));
/** A replica's own sequence number: 1, 2, 3, ... */
export const SeqSchema = v.pipe(v.number(), v.safeInteger(), v.minValue(1));
/** A count or a server seq where 0 means "none". */
export const CountSchema = v.pipe(v.number(), v.safeInteger(), v.minValue(0));
/** A timestamp whose time is not beyond MAX_TIMESTAMP_MS. */
const isWireTimestamp = (s: string): boolean => isTimestamp(s) && parseTimestamp(s).ms <= MAX_TIMESTAMP_MS;
export const TimestampSchema = v.pipe(v.string(), v.check(isWireTimestamp, 'Expected an HLC timestamp (13 base-36 characters) before the year 3000'));
/** A collection name, document id, path segment or list item id: the one rule of names.ts. */
export const NameSchema = v.pipe(
  v.string(),
  v.check((name: string) => isWireName(name), (issue) => `Expected a name: this one ${nameProblem(issue.input) ?? 'is invalid'}`),
);
export const EpochSchema = v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_EPOCH_LENGTH));

const SegmentSchema = v.pipe(
  NameSchema,
  v.check((segment) => !FORBIDDEN_SEGMENTS.includes(segment), 'Path segments must not be __proto__, constructor or prototype'),
);
export const PathSchema = v.pipe(v.array(SegmentSchema), v.minLength(1), v.maxLength(MAX_PATH_SEGMENTS), v.readonly());
/** A JSON value (json.ts); a refusal names the problem and where it is inside the value. */
export const JsonSchema = v.custom<Json>(isBoundedJson, (issue) => `Invalid JSON value: ${jsonProblem(issue.input)?.problem ?? 'not JSON'}`);
export const JsonObjectSchema = v.custom<JsonObject>(isBoundedJsonObject, (issue) => `Invalid JSON object: ${jsonObjectProblem(issue.input)?.problem ?? 'not a JSON object'}`);
/** Well-formed too: SQLite would store a lone surrogate as U+FFFD, and late joiners would order the list differently. */
const PositionSchema = v.pipe(
  v.string(),
  v.minLength(1),
  v.maxLength(MAX_POSITION_LENGTH),
  v.check((pos: string) => unicodeProblem(pos) === undefined, (issue) => `Expected a list position: this one ${unicodeProblem(issue.input) ?? 'is invalid'}`),
);

/**
 * An increment: a safe integer, so sums are exact and the same in any order
 * (and an undo, the opposite increment, restores exactly). 0 is allowed.
 */
export const IncrementSchema = v.pipe(v.number(), v.safeInteger('Expected an increment: a safe integer (Number.isSafeInteger)'));

export const ChangeSchema = v.variant('kind', [
  v.strictObject({ kind: v.literal('put'), value: JsonObjectSchema }),
  v.strictObject({ kind: v.literal('set'), path: PathSchema, value: JsonSchema }),
  v.strictObject({ kind: v.literal('unset'), path: PathSchema }),
  v.strictObject({ kind: v.literal('delete') }),
  v.strictObject({ kind: v.literal('list-insert'), path: PathSchema, item: NameSchema, pos: PositionSchema, value: JsonSchema }),
  v.strictObject({ kind: v.literal('list-remove'), path: PathSchema, item: NameSchema }),
  v.strictObject({ kind: v.literal('list-move'), path: PathSchema, item: NameSchema, pos: PositionSchema }),
  v.strictObject({ kind: v.literal('inc'), path: PathSchema, by: IncrementSchema }),
]);

export const OpSchema = v.strictObject({
  replicaId: ReplicaIdSchema,
  seq: SeqSchema,
  ts: TimestampSchema,
  collection: NameSchema,
  id: NameSchema,
  change: ChangeSchema,
});

/** A stamp is a timestamp followed by a replica id (see core `stampOf`). */
const StampSchema = v.pipe(
  v.string(),
  v.check((s) => isWireTimestamp(s.slice(0, TS_LENGTH)) && isReplicaId(s.slice(TS_LENGTH)), 'Expected a stamp: timestamp (before the year 3000) + replica id'),
);

export const DocStateSchema = v.strictObject({
  entries: v.pipe(v.array(v.strictObject({ stamp: StampSchema, seq: SeqSchema, change: ChangeSchema })), v.readonly()),
});

export const BaselineSchema = v.strictObject({
  collection: NameSchema,
  id: NameSchema,
  state: DocStateSchema,
  replicaId: ReplicaIdSchema,
  ts: TimestampSchema,
});

/** An op with the server seq the server assigned to it. */
export const ServerOpSchema = v.object({ serverSeq: SeqSchema, op: OpSchema });

export type WireOp = v.InferOutput<typeof OpSchema>;
export type ServerOp = v.InferOutput<typeof ServerOpSchema>;

// Compile-time proof that the wire types and the core types are the same shape
// (a mismatch fails type checking here).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
export type WireMatchesCore = [
  Holds<Same<WireOp, Op>>,
  Holds<Same<v.InferOutput<typeof ChangeSchema>, Change>>,
  Holds<Same<v.InferOutput<typeof DocStateSchema>, DocState>>,
  Holds<Same<v.InferOutput<typeof BaselineSchema>, Baseline>>,
];

/**
 * A schedule: what the simulated users, network and operators do, one action
 * after another. fast-check generates (and shrinks) them; `describeSchedule`
 * prints one so a failure can be read and replayed.
 */
import fc from 'fast-check';
import { MAX_NAME_LENGTH } from 'trellis/protocol';

/** A write a user makes; indexes are fractions so they fit whatever list exists when the write runs. */
export type Write =
  | { readonly kind: 'put'; readonly doc: number; readonly title: string; readonly tags: readonly string[] }
  | { readonly kind: 'title'; readonly doc: number; readonly title: string }
  | { readonly kind: 'done'; readonly doc: number; readonly done: boolean }
  | { readonly kind: 'color'; readonly doc: number; readonly color: string | undefined }
  | { readonly kind: 'delete'; readonly doc: number }
  | { readonly kind: 'list-push'; readonly doc: number; readonly tag: string }
  | { readonly kind: 'list-insert'; readonly doc: number; readonly at: number; readonly tag: string }
  | { readonly kind: 'list-move'; readonly doc: number; readonly from: number; readonly to: number }
  | { readonly kind: 'list-remove'; readonly doc: number; readonly at: number }
  | { readonly kind: 'note'; readonly doc: number; readonly text: string }
  /** A counter: increment(createdAt, by), which merges by adding. */
  | { readonly kind: 'count'; readonly doc: number; readonly by: number }
  /** A map-field entry; keys include `__proto__` and `constructor`, which must stay data everywhere. */
  | { readonly kind: 'label'; readonly doc: number; readonly key: string; readonly value: string | undefined }
  /** A note whose op is a few bytes under MAX_OP_BYTES (must sync) or over it (must be refused); `wide` uses 3-byte characters. */
  | { readonly kind: 'big'; readonly doc: number; readonly over: boolean; readonly wide: boolean }
  /** A write the API must refuse (an invalid id, a lone surrogate in a value or key); nothing may be written. */
  | { readonly kind: 'bad'; readonly doc: number; readonly how: BadHow; readonly api: BadApi }
  | { readonly kind: 'transaction'; readonly writes: readonly Write[]; readonly abort: boolean };

export type BadHow = (typeof BAD_HOWS)[number];
export type BadApi = (typeof BAD_APIS)[number];
export const BAD_HOWS = ['nul-id', 'nul-after-valid-id', 'lone-surrogate-id', 'empty-id', 'long-id', 'lone-surrogate-value', 'lone-surrogate-key'] as const;
export const BAD_APIS = ['put', 'update', 'delete', 'get', 'list-push'] as const;

export type Action =
  | { readonly kind: 'write'; readonly replica: number; readonly write: Write }
  /** Deliver this many network events (opens, frames, closes), picked by the network's PRNG. */
  | { readonly kind: 'deliver'; readonly count: number }
  /** Let the event loop run (stores and engines make progress; nothing is delivered). */
  | { readonly kind: 'turns'; readonly count: number }
  | { readonly kind: 'sever'; readonly replica: number }
  | { readonly kind: 'partition'; readonly replica: number }
  | { readonly kind: 'heal'; readonly replica: number }
  | { readonly kind: 'restart-replica'; readonly replica: number }
  | { readonly kind: 'restart-server' }
  | { readonly kind: 'compact-server' }
  | { readonly kind: 'compact-replica'; readonly replica: number }
  /** Cut the replica off and move the clock past the truancy window: it must reset when it returns. */
  | { readonly kind: 'truant'; readonly replica: number }
  /** Per-frame faults from now on (each severs the connection at that frame, as a WebSocket would surface it). */
  | { readonly kind: 'faults'; readonly rate: number }
  /** The user consents to a pending join. */
  | { readonly kind: 'join'; readonly replica: number }
  | { readonly kind: 'clock'; readonly ms: number };

export interface Schedule {
  readonly replicas: number;
  /** Seeds the network's choices (which event is delivered next). */
  readonly networkSeed: number;
  /** Per-replica wall-clock skew (ms), so HLCs disagree. */
  readonly skews: readonly number[];
  /** The share of ops (percent) the server's write rule rejects, picked by each op's content (reject-rule.ts). */
  readonly rejectPercent: number;
  readonly actions: readonly Action[];
}

/**
 * The documents' ids: valid names at the edges (protocol/names.ts), which
 * must round-trip exactly through the server's SQLite to every replica:
 * plain, astral characters with U+10FFFF and a control character, and
 * exactly MAX_NAME_LENGTH code units.
 */
export const DOC_IDS = ['d0', 'd\u{1F600}\u{10FFFF}\u0001', 'L'.repeat(MAX_NAME_LENGTH)] as const;
export const NOTE_IDS = ['n0', 'n\u{1F600}\u001f', 'N'.repeat(MAX_NAME_LENGTH)] as const;
export const DOCS = DOC_IDS.length;

/** Values include NUL inside a string (data, allowed), astral characters and U+10FFFF. */
const word = fc.constantFrom('a', 'b', 'c', 'milk', 'eggs', 'x y', 'ünï', '__proto__', 'constructor', 'a\u0000b', '\u{1F600}', '\u{10FFFF}\u0001');
const tag = fc.constantFrom('red', 'green', 'blue', 'work', 'home', '__proto__', '\u{1F600}', 'a\u0000b');
const labelKey = fc.constantFrom('a', 'b', 'long', '__proto__', 'constructor', 'prototype', '\u{1F600}', '\u0001', 'k'.repeat(MAX_NAME_LENGTH));
const doc = fc.integer({ min: 0, max: DOCS - 1 });
const fraction = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

const simpleWrite: fc.Arbitrary<Write> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('put' as const), doc, title: word, tags: fc.array(tag, { maxLength: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('title' as const), doc, title: word }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('done' as const), doc, done: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('color' as const), doc, color: fc.option(word, { nil: undefined }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), doc }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('list-push' as const), doc, tag }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('list-insert' as const), doc, at: fraction, tag }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('list-move' as const), doc, from: fraction, to: fraction }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('list-remove' as const), doc, at: fraction }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('note' as const), doc, text: word }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('count' as const), doc, by: fc.integer({ min: -3, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('label' as const), doc, key: labelKey, value: fc.option(word, { nil: undefined }) }) },
);

/** Edge writes, outside transactions (a refusal inside one aborts it, which says nothing new). */
const edgeWrite: fc.Arbitrary<Write> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('big' as const), doc, over: fc.boolean(), wide: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('bad' as const), doc, how: fc.constantFrom(...BAD_HOWS), api: fc.constantFrom(...BAD_APIS) }) },
);

const write: fc.Arbitrary<Write> = fc.oneof(
  { weight: 8, arbitrary: simpleWrite },
  { weight: 1, arbitrary: edgeWrite },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('transaction' as const), writes: fc.array(simpleWrite, { minLength: 1, maxLength: 4 }), abort: fc.boolean() }) },
);

/** One action on `replicas` replicas (peered-schedule.ts adds the peer links' and servers' own). */
export function action(replicas: number): fc.Arbitrary<Action> {
  const replica = fc.integer({ min: 0, max: replicas - 1 });
  return fc.oneof(
    { weight: 20, arbitrary: fc.record({ kind: fc.constant('write' as const), replica, write }) },
    { weight: 14, arbitrary: fc.record({ kind: fc.constant('deliver' as const), count: fc.integer({ min: 1, max: 60 }) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('turns' as const), count: fc.integer({ min: 1, max: 30 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('sever' as const), replica }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('partition' as const), replica }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('heal' as const), replica }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart-replica' as const), replica }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'restart-server' as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'compact-server' as const }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('compact-replica' as const), replica }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('truant' as const), replica }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('faults' as const), rate: fc.constantFrom(0, 0, 0.02, 0.1) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('join' as const), replica }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('clock' as const), ms: fc.integer({ min: 1, max: 5000 }) }) },
  );
}

/** 3 to 5 replicas, up to `maxActions` actions. */
export function scheduleArbitrary(maxActions = 60): fc.Arbitrary<Schedule> {
  return fc.integer({ min: 3, max: 5 }).chain((replicas) =>
    fc.record({
      replicas: fc.constant(replicas),
      networkSeed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      skews: fc.array(fc.integer({ min: -5000, max: 5000 }), { minLength: replicas, maxLength: replicas }),
      // A third of the schedules run without rules (no authority at all); the rest reject some ops.
      rejectPercent: fc.constantFrom(0, 10, 30),
      actions: fc.array(action(replicas), { minLength: Math.ceil(maxActions / 2), maxLength: maxActions, size: 'max' }),
    }),
  );
}

/** One line per action, for failure reports. */
export function describeSchedule(schedule: Schedule): string {
  const head = `replicas=${schedule.replicas} networkSeed=${schedule.networkSeed} skews=${JSON.stringify(schedule.skews)} rejectPercent=${schedule.rejectPercent}`;
  return [head, ...schedule.actions.map((a, i) => `${String(i).padStart(3)} ${JSON.stringify(a)}`)].join('\n');
}

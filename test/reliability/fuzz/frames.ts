/**
 * Hostile frames for the protocol fuzzer: valid messages mutated (a field
 * dropped, retyped or added, the type renamed, huge numbers, deep nesting,
 * `__proto__` keys), garbage text, JSON that is not an object, binary frames
 * (including invalid UTF-8), oversized frames. Each is a `Frame`, exactly as
 * the server's `receive` gets it.
 */
import fc from 'fast-check';
import { MAX_FRAME_BYTES } from 'trellis/protocol';
import { clientMessage } from '../../helpers/protocol-arbitraries.js';

export type FuzzFrame = string | Uint8Array;

const HUGE = '"\u0000huge"';
const PROTO = '\u0000proto';

const deep = (n: number): unknown => (n === 0 ? 1 : [deep(n - 1)]);

const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, 2 ** 53, Number.MAX_SAFE_INTEGER + 2, 1e308, '', 'x'.repeat(300), [], {}),
  fc.constant('\u0000huge'),
  fc.integer(),
  fc.string({ maxLength: 20 }),
  fc.constant(deep(40)),
  fc.constant({ [PROTO]: { polluted: true } }),
  fc.array(fc.integer(), { maxLength: 3 }),
);

/** Every path to a value inside `value` (objects and arrays), the root excluded. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [];
  const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return entries.flatMap(([key, child]) => [[...prefix, key], ...paths(child, [...prefix, key])]);
}

type Mutation = { readonly kind: 'delete' | 'replace' | 'add' | 'rename-type'; readonly pick: number; readonly value: unknown };

function mutate(message: unknown, m: Mutation): unknown {
  const copy = structuredClone(message) as Record<string, unknown>;
  if (m.kind === 'rename-type') return { ...copy, type: typeof m.value === 'string' ? m.value : 'nonsense' };
  const all = paths(copy);
  const path = all[m.pick % Math.max(1, all.length)] ?? ['type'];
  const parent = path.slice(0, -1).reduce<any>((node, key) => node[key], copy);
  const key = path[path.length - 1] as string | number;
  if (m.kind === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete parent[key];
  } else if (m.kind === 'replace') parent[key] = m.value;
  else if (parent !== null && typeof parent === 'object' && !Array.isArray(parent)) parent[`extra${m.pick}`] = m.value;
  else copy[`extra${m.pick}`] = m.value;
  return copy;
}

/** JSON text with the sentinels turned into what JSON.stringify cannot write: 1e400 and `__proto__` keys. */
function text(value: unknown): string {
  return JSON.stringify(value).replaceAll(HUGE, '1e400').replaceAll(PROTO, '__proto__');
}

const mutated: fc.Arbitrary<FuzzFrame> = fc
  .record({
    message: clientMessage,
    mutation: fc.record({ kind: fc.constantFrom('delete', 'replace', 'replace', 'add', 'rename-type'), pick: fc.nat(), value: wrongValue }),
  })
  .map(({ message, mutation }) => text(mutate(message, mutation as Mutation)));

const invalidUtf8 = fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => Uint8Array.from([0xff, 0xfe, ...bytes, 0xc3]));

const garbage: fc.Arbitrary<FuzzFrame> = fc.oneof(
  fc.string({ maxLength: 64 }),
  fc.constantFrom('', '{', '}', 'null', '[]', '"hello"', '42', 'true', '{"type":null}', '{"type":"hello"}', '{"type":"push","ops":"x"}', '\u0000'),
  fc.json({ maxDepth: 3 }).filter((t) => !t.startsWith('{')),
  fc.constant(`{"type":"cursor","serverSeq":0,"x":${'['.repeat(5000)}${']'.repeat(5000)}}`),
  fc.constant(`{"type":"push","ops":[${Array(20_000).fill('{}').join(',')}]}`),
);

const binary: fc.Arbitrary<FuzzFrame> = fc.oneof(fc.uint8Array({ maxLength: 64 }), invalidUtf8);

/** Above MAX_FRAME_BYTES (cheap to refuse: the size is checked before parsing). */
const oversized: fc.Arbitrary<FuzzFrame> = fc.constantFrom(
  JSON.stringify({ type: 'cursor', serverSeq: 0, pad: 'z'.repeat(MAX_FRAME_BYTES) }),
  'é'.repeat(MAX_FRAME_BYTES / 2 + 1),
);

/** Valid messages, so sessions reach every phase. */
const valid: fc.Arbitrary<FuzzFrame> = clientMessage.map((m) => JSON.stringify(m));

export const fuzzFrame: fc.Arbitrary<FuzzFrame> = fc.oneof(
  { weight: 10, arbitrary: mutated },
  { weight: 4, arbitrary: valid },
  { weight: 3, arbitrary: garbage },
  { weight: 2, arbitrary: binary },
  { weight: 1, arbitrary: oversized },
);

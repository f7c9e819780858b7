/**
 * What a name may be: a collection name, a document id, a path segment or a
 * list item id. One rule, imported by the store (before it writes) and the
 * server (at decode), so both refuse exactly the same names.
 *
 * - non-empty, at most MAX_NAME_LENGTH UTF-16 code units (so at most 768
 *   UTF-8 bytes);
 * - well-formed Unicode: no lone surrogate. SQLite and every UTF-8 encoder
 *   store one as U+FFFD, so the id a late joiner reads back would differ from
 *   the one live replicas hold, and the writer's next update would make a
 *   second document;
 * - no NUL (U+0000): names key rows and maps, where a NUL could read as a
 *   separator.
 *
 * Everything else (astral characters, U+10FFFF, other control characters,
 * noncharacters) is allowed and round-trips unchanged.
 */
import { MAX_NAME_LENGTH } from './limits.js';

/** What to tell the user who chose the name. */
export const NAME_RULE = `a non-empty id of at most ${MAX_NAME_LENGTH} UTF-16 code units, well-formed Unicode, without NUL (U+0000)`;

/**
 * Index of the first lone surrogate in `s`, or -1 when `s` is well-formed
 * Unicode. (`String.prototype.isWellFormed` is not in Node 20.)
 */
export function loneSurrogateAt(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const unit = s.charCodeAt(i);
    if (unit < 0xd800 || unit > 0xdfff) continue;
    // A high surrogate followed by a low one is a pair: skip both.
    if (unit <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
    else return i;
  }
  return -1;
}

/** Any surrogate code unit: most strings have none, and a native scan tells so at once. */
const SURROGATE = /[\ud800-\udfff]/;

/** True when `s` has no lone surrogate (see loneSurrogateAt). */
export const isWellFormed = (s: string): boolean => !SURROGATE.test(s) || loneSurrogateAt(s) < 0;

/** Why a string is not well-formed Unicode, or undefined when it is. */
export function unicodeProblem(s: string): string | undefined {
  if (isWellFormed(s)) return undefined;
  const at = loneSurrogateAt(s);
  return at < 0 ? undefined : `is not well-formed Unicode (lone surrogate at index ${at})`;
}

/** Why `name` is not a valid name (a phrase to follow "the id"), or undefined when it is. */
export function nameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return `is ${name === null ? 'null' : typeof name}, not a string`;
  if (name.length === 0) return 'is empty';
  if (name.length > MAX_NAME_LENGTH) return `is ${name.length} UTF-16 code units, more than ${MAX_NAME_LENGTH}`;
  const nul = name.indexOf('\u0000');
  if (nul >= 0) return `contains NUL (U+0000) at index ${nul}`;
  return unicodeProblem(name);
}

/** True for a valid name (see the module comment). */
export const isWireName = (name: unknown): name is string => nameProblem(name) === undefined;

/** A short, printable quote of a name for messages: escapes control characters and lone surrogates, cut at 64 code units. */
export function quoteName(name: string): string {
  const quoted = JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}…` : name);
  return quoted.replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

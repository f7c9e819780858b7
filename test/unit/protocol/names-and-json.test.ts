/**
 * What the wire accepts as a name (collection, document id, path segment,
 * list item id) and as a JSON value, and that every refusal names the actual
 * problem and where it is (issue 14, defects 1, 2 and 20).
 */
import { describe, expect, test } from 'vitest';
import { ErrorCode } from 'trellis';
import { MAX_JSON_DEPTH, MAX_NAME_LENGTH, decodeClientMessage, jsonProblem, nameProblem } from 'trellis/protocol';
import { wireOp } from '../../helpers/wire-ops.js';

/** Decodes a push of one op patched with `patch` and returns the refusal's message and path. */
function refusal(patch: Record<string, unknown>): { code: string; message: string; path: unknown } {
  const frame = JSON.stringify({ type: 'push', ops: [{ ...wireOp({ replicaId: 'A', seq: 1 }), ...patch }] });
  const decoded = decodeClientMessage(frame);
  if (decoded.ok) throw new Error(`accepted: ${frame.slice(0, 200)}`);
  return { code: decoded.error.code, message: decoded.error.message, path: decoded.error.details?.path };
}

const put = (value: unknown) => ({ change: { kind: 'put', value } });
const accepted = (patch: Record<string, unknown>) => decodeClientMessage(JSON.stringify({ type: 'push', ops: [{ ...wireOp({ replicaId: 'A', seq: 1 }), ...patch }] })).ok;

describe('names on the wire', () => {
  test.each([
    ['a NUL in a document id', { id: 'x\u0000evil' }, ['ops', 0, 'id'], /contains NUL \(U\+0000\) at index 1/],
    ['a lone high surrogate in a document id', { id: 'half\ud83d' }, ['ops', 0, 'id'], /not well-formed Unicode \(lone surrogate at index 4\)/],
    ['a lone low surrogate in a collection name', { collection: '\ude00todos' }, ['ops', 0, 'collection'], /lone surrogate at index 0/],
    ['a lone surrogate in a path segment', { change: { kind: 'set', path: ['labels', 'k\udc00'], value: 1 } }, ['ops', 0, 'change', 'path', 1], /lone surrogate at index 1/],
    ['a NUL in a path segment', { change: { kind: 'set', path: ['labels', 'a\u0000b'], value: 1 } }, ['ops', 0, 'change', 'path', 1], /NUL/],
    ['a lone surrogate in a list item id', { change: { kind: 'list-remove', path: ['tags'], item: 'i\ud800' } }, ['ops', 0, 'change', 'item'], /lone surrogate at index 1/],
    ['an empty id', { id: '' }, ['ops', 0, 'id'], /empty/],
    ['an id one past the limit', { id: 'x'.repeat(MAX_NAME_LENGTH + 1) }, ['ops', 0, 'id'], new RegExp(`${MAX_NAME_LENGTH + 1} UTF-16 code units, more than ${MAX_NAME_LENGTH}`)],
  ])('refuses %s, naming the problem', (_name, patch, path, message) => {
    const r = refusal(patch);
    expect(r.code).toBe(ErrorCode.PROTOCOL_INVALID_MESSAGE);
    expect(r.path).toEqual(path);
    expect(r.message).toMatch(message);
  });

  test('accepts names at the edges: exactly MAX_NAME_LENGTH, astral characters, U+10FFFF, control characters other than NUL', () => {
    expect(accepted({ id: 'x'.repeat(MAX_NAME_LENGTH) })).toBe(true);
    expect(accepted({ id: '😀'.repeat(MAX_NAME_LENGTH / 2) })).toBe(true);
    expect(accepted({ id: `a\u{10FFFF}b\u0001\u001f\u007f\ufffe` })).toBe(true);
    expect(accepted({ collection: 'c😀', change: { kind: 'list-remove', path: ['t\u0001'], item: '\u{1F600}' } })).toBe(true);
  });
});

describe('JSON values on the wire: each refusal names its problem and path', () => {
  test('a __proto__ key', () => {
    const r = refusal(put(JSON.parse('{"a":{"b":{"__proto__":{"polluted":true}}}}')));
    expect(r.path).toEqual(['ops', 0, 'change', 'value']);
    expect(r.message).toMatch(/key `__proto__` is not allowed at a\.b/);
    expect(r.message).not.toMatch(/nested/);
  });

  test('a number that is not finite (1e309 parses to Infinity)', () => {
    const frame = `{"type":"push","ops":[${JSON.stringify(wireOp({ replicaId: 'A', seq: 1, change: { kind: 'put', value: { a: { list: [0, 0] } } } })).replace('[0,0]', '[0,1e309]')}]}`;
    const decoded = decodeClientMessage(frame);
    expect(decoded.ok).toBe(false);
    if (decoded.ok) return;
    expect(decoded.error.message).toMatch(/number Infinity at a\.list\.1 is not finite JSON/);
    expect(decoded.error.message).not.toMatch(/nested/);
  });

  test('a string that is not well-formed Unicode, in a value or in a key', () => {
    expect(refusal(put({ title: 'ab\ud83dcd' })).message).toMatch(/string at title is not well-formed Unicode \(lone surrogate at index 2\)/);
    expect(refusal(put({ labels: { 'k\udc00': 'v' } })).message).toMatch(/key at labels is not well-formed Unicode \(lone surrogate at index 1\)/);
    expect(refusal({ change: { kind: 'set', path: ['title'], value: '\ud83d' } }).message).toMatch(/string at the top level is not well-formed Unicode/);
  });

  test('nesting deeper than the limit', () => {
    let deep: unknown = 1;
    for (let i = 0; i < MAX_JSON_DEPTH; i++) deep = [deep];
    const r = refusal(put({ d: deep }));
    expect(r.message).toMatch(new RegExp(`nested deeper than ${MAX_JSON_DEPTH} at d(\\.0)+`));
    // Exactly at the limit is fine: the put's object is depth 1, the arrays 31 more.
    let edge: unknown = 1;
    for (let i = 0; i < MAX_JSON_DEPTH - 1; i++) edge = [edge];
    expect(accepted(put({ d: edge }))).toBe(true);
  });

  test('a put value that is not an object', () => {
    expect(refusal(put([1, 2])).message).toMatch(/an array at the top level, where a JSON object is expected/);
  });

  test('NUL inside a string value and astral characters are data, and accepted', () => {
    expect(accepted(put({ title: 'a\u0000b', emoji: '😀\u{10FFFF}', key: { 'a\u0000b': 1 } }))).toBe(true);
  });

  test.each([
    ['a Date', { at: { when: new Date(0) } }, ['at', 'when'], 'value of kind Date at at.when is not JSON'],
    ['a Map', { m: new Map() }, ['m'], 'value of kind Map at m is not JSON'],
    ['undefined in an array', { list: [1, undefined] }, ['list', 1], 'value of kind undefined at list.1 is not JSON'],
    ['a hole in a sparse array', { list: [1, , 3] }, ['list', 1], 'value of kind undefined at list.1 is not JSON'],
    ['a bigint', { n: 1n }, ['n'], 'value of kind bigint at n is not JSON'],
    ['NaN', { n: Number.NaN }, ['n'], 'number NaN at n is not finite JSON'],
  ])('a value that JSON cannot hold (%s), as the store meets it before anything is encoded', (_name, value, path, problem) => {
    const found = jsonProblem(value);
    expect(found?.path).toEqual(path);
    expect(found?.problem).toMatch(problem);
  });
});

describe('nameProblem states each rule', () => {
  test.each([
    ['', 'is empty'],
    ['x'.repeat(MAX_NAME_LENGTH + 1), `is ${MAX_NAME_LENGTH + 1} UTF-16 code units, more than ${MAX_NAME_LENGTH}`],
    ['ab\u0000', 'contains NUL (U+0000) at index 2'],
    ['\ud83d\ude00\ud83d', 'is not well-formed Unicode (lone surrogate at index 2)'],
    ['\ude00\ud83d', 'is not well-formed Unicode (lone surrogate at index 0)'],
    [42, 'is number, not a string'],
  ])('%j', (name, problem) => {
    expect(nameProblem(name)).toBe(problem);
  });

  test('a surrogate pair, U+10FFFF, U+FFFF and control characters are valid', () => {
    for (const name of ['\ud83d\ude00', '\u{10FFFF}', '\uffff', '\u0001', 'x'.repeat(MAX_NAME_LENGTH)]) expect(nameProblem(name)).toBeUndefined();
  });
});

/** The devtools panel's error log and the text it shows for values of any shape. */
import { describe, expect, it } from 'vitest';
import { TrellisError } from 'trellis';
import { MAX_LOGGED_ERRORS, describeError, describeRejection, logError, safeJson, type LoggedError } from '../../../src/devtools/error-log.js';
import { describeChange, describeTs, VALUE_PREVIEW } from '../../../src/devtools/describe-op.js';

const entry = (n: number, code = `E${n}`): LoggedError => ({ at: n, source: 'sync', code, message: `m${n}` });

describe('devtools error log', () => {
  it('puts the newest first and keeps the same error seen again once', () => {
    let list = logError([], entry(1));
    list = logError(list, { ...entry(1), at: 2 });
    expect(list).toEqual([entry(1)]);
    list = logError(list, entry(3));
    expect(list.map((e) => e.code)).toEqual(['E3', 'E1']);
    // The same code from another source is another entry.
    expect(logError(list, { ...entry(3), source: 'rejection' })).toHaveLength(3);
  });

  it(`keeps ${MAX_LOGGED_ERRORS} errors: one more drops the oldest`, () => {
    let list: readonly LoggedError[] = [];
    for (let n = 1; n <= MAX_LOGGED_ERRORS; n++) list = logError(list, entry(n));
    expect(list).toHaveLength(MAX_LOGGED_ERRORS);
    expect(list.at(-1)?.code).toBe('E1');
    list = logError(list, entry(MAX_LOGGED_ERRORS + 1));
    expect(list).toHaveLength(MAX_LOGGED_ERRORS);
    expect(list.at(-1)?.code).toBe('E2');
  });

  it('describes errors of any shape without throwing', () => {
    expect(describeError(new TrellisError('NOT_FOUND', 'gone'))).toEqual({ code: 'NOT_FOUND', message: 'gone' });
    expect(describeError(new TypeError('bad'))).toEqual({ code: 'TypeError', message: 'bad' });
    expect(describeError({ code: 'SCHEMA_VIOLATION', message: 'no' })).toEqual({ code: 'SCHEMA_VIOLATION', message: 'no' });
    expect(describeError('plain')).toEqual({ code: 'UNKNOWN', message: '"plain"' });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(describeError(cyclic).code).toBe('UNKNOWN');
    expect(safeJson(10n)).toBe('10');
    expect(safeJson(undefined)).toBe('undefined');
  });

  it("names the rejected write's document, and copes with any other shape", () => {
    expect(describeRejection({ collection: 'todos', id: 'a', code: 'RULE_REJECTED', message: 'not yours' })).toEqual({ code: 'RULE_REJECTED', message: 'todos / a: not yours' });
    expect(describeRejection({ code: 'SCHEMA_VIOLATION', message: 'bad' })).toEqual({ code: 'SCHEMA_VIOLATION', message: 'bad' });
    expect(describeRejection(null)).toEqual({ code: 'UNKNOWN', message: 'null' });
  });

  it('cuts long values at the limit, and not one character before', () => {
    expect(safeJson('x'.repeat(8), 10)).toBe(`"${'x'.repeat(8)}"`);
    expect(safeJson('x'.repeat(9), 10)).toBe(`"${'x'.repeat(9)}`.slice(0, 10) + '…');
  });
});

describe('devtools op descriptions', () => {
  it('describes each kind of change in one line', () => {
    expect(describeChange({ kind: 'put', value: { id: 'a' } })).toBe('put = {"id":"a"}');
    expect(describeChange({ kind: 'set', path: ['meta', 'color'], value: 'red' })).toBe('set meta.color = "red"');
    expect(describeChange({ kind: 'unset', path: ['meta'] })).toBe('unset meta');
    expect(describeChange({ kind: 'delete' })).toBe('delete');
    expect(describeChange({ kind: 'list-insert', path: ['tags'], item: 'i1', pos: 'a0', value: 'x' })).toBe('list-insert tags [item i1] = "x"');
    expect(describeChange({ kind: 'list-remove', path: ['tags'], item: 'i1' })).toBe('list-remove tags [item i1]');
    expect(describeChange({ kind: 'list-move', path: ['tags'], item: 'i1', pos: 'a1' })).toBe('list-move tags [item i1]');
    expect(describeChange({ kind: 'put', value: { text: 'y'.repeat(200) } }).length).toBe('put = '.length + VALUE_PREVIEW + 1);
  });

  it('shows an HLC ts as its UTC time and counter, and anything else as given', () => {
    const ms = Date.UTC(2026, 0, 2, 3, 4, 5, 6);
    const ts = (counter: number) => ms.toString(36).padStart(9, '0') + counter.toString(36).padStart(4, '0');
    expect(describeTs(ts(0))).toBe('03:04:05.006');
    expect(describeTs(ts(2))).toBe('03:04:05.006 #2');
    expect(describeTs('<b>not a ts</b>')).toBe('<b>not a ts</b>');
  });
});

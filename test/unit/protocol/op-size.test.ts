/**
 * The shortcut the server takes for small push frames (opsFitFrame) rests on
 * one fact about JSON: parsed and encoded again, a text grows at most
 * MAX_REENCODE_GROWTH times in UTF-16 code units (`1e20` is the worst case).
 * These tests pin that fact, and that the shortcut never lets an op over
 * MAX_OP_BYTES through.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { MAX_OP_BYTES, MAX_REENCODE_GROWTH, findOversizedOp, opBytes, opsFitFrame } from 'trellis/protocol';
import { wireOp } from '../../helpers/wire-ops.js';

/** A JSON number as a sender may spell it: exponents (either case, signed or not), fractions, negatives. */
const numberText = fc
  .tuple(fc.boolean(), fc.integer({ min: 0, max: 9 }), fc.option(fc.integer({ min: 0, max: 999 })), fc.option(fc.tuple(fc.constantFrom('e', 'E', 'e+', 'E-', 'e-'), fc.integer({ min: 0, max: 400 }))))
  .map(([negative, digit, fraction, exponent]) => `${negative ? '-' : ''}${digit}${fraction === null ? '' : `.${fraction}`}${exponent === null ? '' : `${exponent[0]}${exponent[1]}`}`)
  .filter((text) => Number.isFinite(Number(text)));

const space = fc.constantFrom('', ' ', '\n', '\t ');
const stringText = fc.oneof(fc.string(), fc.string({ unit: 'binary' })).map((s) => JSON.stringify(s.replace(/[\ud800-\udfff]/g, '')));
/** A JSON text, with the spellings that re-encode longest (numbers) and shortest (escapes, spaces). */
const jsonText: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    numberText,
    stringText,
    fc.constantFrom('true', 'false', 'null', '"\\u0041"', '"\\/"', '"\\u00e9"'),
    fc.array(tie('value'), { maxLength: 5 }).chain((items) => space.map((s) => `[${s}${items.join(`,${s}`)}${s}]`)),
    fc.array(fc.tuple(stringText, tie('value')), { maxLength: 5 }).map((entries) => `{${entries.map(([k, v]) => `${k}:${v}`).join(',')}}`),
  ),
})).value;

describe('re-encoding growth', () => {
  test('1e20 is the worst case: 4 code units come back as 21', () => {
    expect(JSON.stringify(JSON.parse('1e20')).length / '1e20'.length).toBe(MAX_REENCODE_GROWTH);
    expect(JSON.stringify(JSON.parse('[1e20,9e20,1e20]')).length).toBeLessThanOrEqual('[1e20,9e20,1e20]'.length * MAX_REENCODE_GROWTH);
  });

  test('no JSON text grows more than MAX_REENCODE_GROWTH times when parsed and encoded again', () => {
    fc.assert(
      fc.property(jsonText, (text) => {
        expect(JSON.stringify(JSON.parse(text)).length).toBeLessThanOrEqual(text.length * MAX_REENCODE_GROWTH);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('opsFitFrame', () => {
  test('holds exactly up to the frame length whose worst re-encoding still fits one op', () => {
    const edge = Math.floor(MAX_OP_BYTES / (MAX_REENCODE_GROWTH * 3));
    expect(opsFitFrame(edge)).toBe(true);
    expect(opsFitFrame(edge + 1)).toBe(false);
  });

  test('a frame of numbers that grow the most, as long as the shortcut allows, re-encodes within MAX_OP_BYTES', () => {
    const values = Array.from({ length: 4000 }, () => 1e20);
    const frame = JSON.stringify({ type: 'push', ops: [wireOp({ replicaId: 'A', seq: 1, change: { kind: 'put', value: { n: values } } })] }).replace(/100000000000000000000/g, '1e20');
    expect(opsFitFrame(frame.length)).toBe(true);
    const { ops } = JSON.parse(frame) as { ops: Parameters<typeof opBytes>[0][] };
    expect(opBytes(ops[0] as Parameters<typeof opBytes>[0])).toBeLessThanOrEqual(MAX_OP_BYTES);
    expect(findOversizedOp(ops, frame.length)).toBeUndefined();
  });

  test('a frame too long for the shortcut has its ops sized one by one', () => {
    const big = wireOp({ replicaId: 'A', seq: 1, change: { kind: 'put', value: { text: 'x'.repeat(MAX_OP_BYTES) } } });
    const frameLength = JSON.stringify({ type: 'push', ops: [big] }).length;
    expect(opsFitFrame(frameLength)).toBe(false);
    expect(findOversizedOp([big], frameLength)).toMatchObject({ index: 0 });
  });
});

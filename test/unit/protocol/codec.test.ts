import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { isTrellisError } from 'trellis';
import {
  MAX_FRAME_BYTES,
  MAX_JSON_DEPTH,
  MAX_OPS_PER_PUSH,
  PROTOCOL_VERSION,
  decodeClientMessage,
  decodeServerMessage,
  encodeMessage,
  utf8Length,
} from 'trellis/protocol';
import type { Frame, Result } from 'trellis/protocol';
import { clientMessage, serverMessage } from '../../helpers/protocol-arbitraries.js';
import { wireOp, wireOps } from '../../helpers/wire-ops.js';

describe('codec round trip', () => {
  test('every valid client message decodes to itself after encoding', () => {
    fc.assert(
      fc.property(clientMessage, (message) => {
        const decoded = decodeClientMessage(encodeMessage(message));
        expect(decoded).toEqual({ ok: true, value: message });
      }),
    );
  });

  test('every valid server message decodes to itself after encoding', () => {
    fc.assert(
      fc.property(serverMessage, (message) => {
        const decoded = decodeServerMessage(encodeMessage(message));
        expect(decoded).toEqual({ ok: true, value: message });
      }),
    );
  });
});

function rejection(frame: Frame, decode: (frame: Frame) => Result<unknown> = decodeClientMessage) {
  const result = decode(frame);
  if (result.ok) throw new Error(`expected a rejection of ${String(frame).slice(0, 200)}`);
  return result.error;
}

const op = wireOp({ replicaId: 'r1', seq: 1 });
const push = (change: unknown) => JSON.stringify({ type: 'push', ops: [{ ...op, change }] });
const nest = (depth: number): unknown => (depth === 0 ? 1 : { a: nest(depth - 1) });

describe('malformed messages are rejected with the path of the problem', () => {
  test.each([
    ['not JSON', '{"type":', []],
    ['a JSON array', '[1,2]', ['type']],
    ['a JSON string', '"hello"', []],
    ['an unknown type', '{"type":"pull"}', ['type']],
    ['a hello without replicaId', JSON.stringify({ type: 'hello', protocol: 1, cursor: null, localSeq: 0, atRisk: 0 }), ['replicaId']],
    ['a replica id with a slash', JSON.stringify({ type: 'join', replicaId: 'a/b' }), ['replicaId']],
    ['a negative cursor', JSON.stringify({ type: 'cursor', serverSeq: -1 }), ['serverSeq']],
    ['a fractional cursor', JSON.stringify({ type: 'cursor', serverSeq: 1.5 }), ['serverSeq']],
    ['an empty push', JSON.stringify({ type: 'push', ops: [] }), ['ops']],
    ['seq 0', JSON.stringify({ type: 'push', ops: [{ ...op, seq: 0 }] }), ['ops', 0, 'seq']],
    ['a bad timestamp', JSON.stringify({ type: 'push', ops: [{ ...op, ts: '2024-01-01' }] }), ['ops', 0, 'ts']],
    ['an empty collection', JSON.stringify({ type: 'push', ops: [{ ...op, collection: '' }] }), ['ops', 0, 'collection']],
    ['a 257-character id', JSON.stringify({ type: 'push', ops: [{ ...op, id: 'x'.repeat(257) }] }), ['ops', 0, 'id']],
    ['an unknown change kind', push({ kind: 'merge' }), ['ops', 0, 'change', 'kind']],
    ['a __proto__ path segment', push({ kind: 'set', path: ['a', '__proto__'], value: 1 }), ['ops', 0, 'change', 'path', 1]],
    ['a constructor path segment', push({ kind: 'unset', path: ['constructor'] }), ['ops', 0, 'change', 'path', 0]],
    ['an empty path', push({ kind: 'unset', path: [] }), ['ops', 0, 'change', 'path']],
    ['a 33-segment path', push({ kind: 'unset', path: Array.from({ length: 33 }, (_, i) => `f${i}`) }), ['ops', 0, 'change', 'path']],
    ['a put of an array', push({ kind: 'put', value: [1] }), ['ops', 0, 'change', 'value']],
    ['a value nested too deep', push({ kind: 'set', path: ['a'], value: nest(MAX_JSON_DEPTH + 1) }), ['ops', 0, 'change', 'value']],
    ['a value with a __proto__ key', push({ kind: 'put', value: JSON.parse('{"__proto__":{"admin":true}}') }), ['ops', 0, 'change', 'value']],
    ['an extra op field', JSON.stringify({ type: 'push', ops: [{ ...op, extra: 1 }] }), ['ops', 0, 'extra']],
    ['an increment by a fraction', push({ kind: 'inc', path: ['n'], by: 1.5 }), ['ops', 0, 'change', 'by']],
    ['an increment by 2^53', push({ kind: 'inc', path: ['n'], by: 2 ** 53 }), ['ops', 0, 'change', 'by']],
    ['an increment by 1e400 (Infinity once parsed)', push({ kind: 'inc', path: ['n'], by: 1 }).replace('"by":1', '"by":1e400'), ['ops', 0, 'change', 'by']],
    ['an increment by a string', push({ kind: 'inc', path: ['n'], by: '1' }), ['ops', 0, 'change', 'by']],
    ['an increment without by', push({ kind: 'inc', path: ['n'] }), ['ops', 0, 'change', 'by']],
    ['an increment with an empty path', push({ kind: 'inc', path: [], by: 1 }), ['ops', 0, 'change', 'path']],
    ['an increment with an extra field', push({ kind: 'inc', path: ['n'], by: 1, value: 2 }), ['ops', 0, 'change', 'value']],
  ])('%s', (_name, frame, path) => {
    const error = rejection(frame);
    expect(isTrellisError(error, 'PROTOCOL_INVALID_MESSAGE')).toBe(true);
    expect(error.details.path).toEqual(path);
  });

  test('an increment by ±MAX_SAFE_INTEGER is accepted', () => {
    expect(decodeClientMessage(push({ kind: 'inc', path: ['n'], by: Number.MAX_SAFE_INTEGER })).ok).toBe(true);
    expect(decodeClientMessage(push({ kind: 'inc', path: ['n'], by: -Number.MAX_SAFE_INTEGER })).ok).toBe(true);
  });

  test('a value nested exactly to the limit is accepted', () => {
    expect(decodeClientMessage(push({ kind: 'set', path: ['a'], value: nest(MAX_JSON_DEPTH - 1) })).ok).toBe(true);
  });

  test('a push of more than MAX_OPS_PER_PUSH ops is invalid', () => {
    const frame = encodeMessage({ type: 'push', ops: wireOps('r1', 1, MAX_OPS_PER_PUSH + 1) });
    expect(rejection(frame).details.path).toEqual(['ops']);
  });

  test('a reset decision without a reason is invalid', () => {
    const frame = JSON.stringify({ type: 'decision', decision: 'reset', epoch: 'e', serverSeq: 1, horizon: 0, replicaSeq: 0 });
    expect(rejection(frame, decodeServerMessage).details.path).toEqual(['reason']);
  });

  test('a server error code must look like one, but may be one this client does not know', () => {
    expect(rejection(JSON.stringify({ type: 'error', code: 'oops', message: 'x' }), decodeServerMessage).details.path).toEqual(['code']);
    expect(decodeServerMessage(JSON.stringify({ type: 'error', code: 'FUTURE_CODE', message: 'x' })).ok).toBe(true);
  });
});

describe('frames', () => {
  test('binary frames are invalid messages', () => {
    const bytes = new TextEncoder().encode(encodeMessage({ type: 'cursor', serverSeq: 1 }));
    expect(isTrellisError(rejection(bytes), 'PROTOCOL_INVALID_MESSAGE')).toBe(true);
    expect(isTrellisError(rejection(bytes.buffer as ArrayBuffer), 'PROTOCOL_INVALID_MESSAGE')).toBe(true);
  });

  test('a frame over MAX_FRAME_BYTES is too large, counted in UTF-8 bytes', () => {
    const filler = 'é'.repeat(MAX_FRAME_BYTES / 2); // 2 bytes each in UTF-8: just over the limit with the envelope
    const error = rejection(JSON.stringify({ type: 'join', replicaId: 'r', filler }));
    expect(isTrellisError(error, 'PROTOCOL_MESSAGE_TOO_LARGE')).toBe(true);
    expect(error.details.limit).toBe(MAX_FRAME_BYTES);
  });

  test('a frame just under the limit is decoded', () => {
    const envelope = JSON.stringify({ type: 'join', replicaId: 'r', filler: '' });
    const frame = JSON.stringify({ type: 'join', replicaId: 'r', filler: 'x'.repeat(MAX_FRAME_BYTES - envelope.length) });
    expect(utf8Length(frame)).toBe(MAX_FRAME_BYTES);
    expect(decodeClientMessage(frame)).toEqual({ ok: true, value: { type: 'join', replicaId: 'r' } });
  });

  test('utf8Length counts surrogate pairs as four bytes', () => {
    expect(utf8Length('a')).toBe(1);
    expect(utf8Length('é')).toBe(2);
    expect(utf8Length('€')).toBe(3);
    expect(utf8Length('😀')).toBe(4);
  });
});

describe('protocol versions', () => {
  test.each([0, PROTOCOL_VERSION + 1, 99])('a hello with version %i is a version mismatch, even if the rest is unknown', (protocol) => {
    const error = rejection(JSON.stringify({ type: 'hello', protocol, someFutureField: true }));
    expect(isTrellisError(error, 'PROTOCOL_VERSION_MISMATCH')).toBe(true);
    expect(error.details).toMatchObject({ received: protocol, max: PROTOCOL_VERSION });
  });
});

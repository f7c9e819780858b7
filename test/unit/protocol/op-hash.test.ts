import { describe, expect, test } from 'vitest';
import type { Op } from '../../../src/core/index.js';
import { canonicalJson, opHash } from '../../../src/protocol/index.js';

const op: Op = { replicaId: 'r1', seq: 7, ts: '0000000001000-0000-r1', collection: 'todos', id: 'a', change: { kind: 'put', value: { title: 'Milk', done: false } } } as unknown as Op;

describe('opHash', () => {
  test('is the hex SHA-256 of the canonical JSON, pinned so both sides (and other servers) agree across versions', () => {
    expect(canonicalJson(op)).toBe(
      '{"change":{"kind":"put","value":{"done":false,"title":"Milk"}},"collection":"todos","id":"a","replicaId":"r1","seq":7,"ts":"0000000001000-0000-r1"}',
    );
    // Checked against node:crypto's SHA-256 of the line above.
    expect(opHash(op)).toBe('99268c4c14ca0300473ec1bf90d8fad134c76add33a288ed437641ab27898f09');
  });

  test('ignores key order and fields other than the six of an op', () => {
    const reordered = { change: { value: { done: false, title: 'Milk' }, kind: 'put' }, id: 'a', collection: 'todos', ts: op.ts, seq: 7, replicaId: 'r1', serverSeq: 12 } as unknown as Op;
    expect(opHash(reordered)).toBe(opHash(op));
  });

  test('differs when any content differs, including a __proto__ key kept as data', () => {
    expect(opHash({ ...op, seq: 8 })).not.toBe(opHash(op));
    const withProto = JSON.parse('{"kind":"put","value":{"__proto__":{"x":1}}}');
    const withoutProto = { kind: 'put', value: {} };
    expect(opHash({ ...op, change: withProto })).not.toBe(opHash({ ...op, change: withoutProto as never }));
  });
});

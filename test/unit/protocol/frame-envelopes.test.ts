/**
 * MAX_OP_BYTES is MAX_FRAME_BYTES minus MAX_ENVELOPE_BYTES. This proves the
 * envelope is big enough: an op of exactly MAX_OP_BYTES, with the longest ids
 * the wire allows, wrapped in the largest envelope of every frame that
 * carries ops (fields at their longest, integers at MAX_SAFE_INTEGER), is a
 * valid frame within MAX_FRAME_BYTES.
 */
import { describe, expect, test } from 'vitest';
import { formatTimestamp } from '../../../src/core/index.js';
import type { Op } from '../../../src/core/index.js';
import {
  MAX_ENVELOPE_BYTES,
  MAX_EPOCH_LENGTH,
  MAX_FRAME_BYTES,
  MAX_NAME_LENGTH,
  MAX_OP_BYTES,
  MAX_TIMESTAMP_MS,
  decodeClientMessage,
  decodeServerMessage,
  encodeMessage,
  opBytes,
  utf8Length,
} from 'trellis/protocol';
import type { ClientMessage, ServerMessage } from 'trellis/protocol';

const MAX = Number.MAX_SAFE_INTEGER;

/** An op of exactly MAX_OP_BYTES: ids at their longest, seq at MAX_SAFE_INTEGER, padded by its value. */
function largestOp(): Op {
  const shell: Op = {
    replicaId: 'r'.repeat(64),
    seq: MAX,
    ts: formatTimestamp({ ms: MAX_TIMESTAMP_MS, counter: 36 ** 4 - 1 }),
    collection: 'c'.repeat(MAX_NAME_LENGTH),
    id: 'i'.repeat(MAX_NAME_LENGTH),
    change: { kind: 'put', value: { pad: '' } },
  };
  const wide = '漢'.repeat(Math.floor((MAX_OP_BYTES - opBytes(shell)) / 3));
  const op: Op = { ...shell, change: { kind: 'put', value: { pad: wide } } };
  const rest = MAX_OP_BYTES - opBytes(op); // 0 to 2 bytes left: ASCII makes the size exact
  const exact: Op = { ...op, change: { kind: 'put', value: { pad: `${'x'.repeat(rest)}${wide}` } } };
  expect(opBytes(exact)).toBe(MAX_OP_BYTES);
  return exact;
}

/**
 * The longest epoch's JSON: JSON escapes a control character in 6 bytes, the
 * most any UTF-16 unit takes. The server makes epochs of a few ASCII
 * characters; the wire allows any 64.
 */
const EPOCH = '\u0001'.repeat(MAX_EPOCH_LENGTH);

const progress = { received: MAX, total: MAX };

function frames(op: Op): Record<string, ClientMessage | ServerMessage> {
  return {
    push: { type: 'push', ops: [op] },
    seed: { type: 'seed', baselines: [], ops: [op], done: false },
    ops: { type: 'ops', ops: [{ serverSeq: MAX, op }], progress },
    snapshot: { type: 'snapshot', epoch: EPOCH, serverSeq: MAX, horizon: MAX, baselines: [], ops: [{ serverSeq: MAX, op }], progress, done: false },
  };
}

describe('MAX_OP_BYTES and the largest envelope of every frame', () => {
  const op = largestOp();

  test('MAX_OP_BYTES is MAX_FRAME_BYTES minus MAX_ENVELOPE_BYTES: 1,044,480 bytes', () => {
    expect(MAX_OP_BYTES).toBe(MAX_FRAME_BYTES - MAX_ENVELOPE_BYTES);
    expect(MAX_OP_BYTES).toBe(1_044_480);
  });

  test.each(Object.keys(frames(op)))('an op of exactly MAX_OP_BYTES in the largest %s frame is a valid frame within MAX_FRAME_BYTES', (kind) => {
    const message = frames(op)[kind] as ClientMessage | ServerMessage;
    const frame = encodeMessage(message);
    const bytes = utf8Length(frame);
    expect(bytes - MAX_OP_BYTES).toBeLessThanOrEqual(MAX_ENVELOPE_BYTES);
    expect(bytes).toBeLessThanOrEqual(MAX_FRAME_BYTES);
    expect(Buffer.byteLength(frame)).toBe(bytes);
    const decoded = kind === 'push' || kind === 'seed' ? decodeClientMessage(frame) : decodeServerMessage(frame);
    expect(decoded).toMatchObject({ ok: true, value: { type: message.type } });
  });

  test('the largest envelope today leaves most of MAX_ENVELOPE_BYTES for later fields', () => {
    const largest = Math.max(...Object.values(frames(op)).map((m) => utf8Length(encodeMessage(m)) - MAX_OP_BYTES));
    expect(largest).toBeGreaterThan(400); // the escaped epoch and five safe integers count
    expect(largest).toBeLessThan(MAX_ENVELOPE_BYTES / 4);
  });
});

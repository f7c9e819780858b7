import { describe, expect, test } from 'vitest';
import { decide } from '../../../src/server/core/decide.js';
import type { DecideInput } from '../../../src/server/core/decide.js';
import type { LibraryRow } from '../../../src/server/core/libraries.js';
import type { ReplicaRow } from '../../../src/server/core/replicas.js';

const NOW = 1_000_000_000;
const DAY = 86_400_000;
const library: LibraryRow = { library: 'lib', epoch: 'E1', head_seq: 50, horizon: 10, created_at: 0 };
const known: ReplicaRow = {
  library: 'lib',
  replica: 'R',
  user: 'ada',
  first_seen: 0,
  last_seen: NOW - DAY,
  acked_seq: 20,
  cursor_seq: 20,
  max_seq: 7,
  status: 'active',
  last_hash: null,
};

function input(o: Partial<DecideInput> & { cursor?: DecideInput['hello']['cursor']; localSeq?: number } = {}): DecideInput {
  const { cursor = { epoch: 'E1', serverSeq: 20 }, localSeq = 7, ...rest } = o;
  return {
    library,
    hasHistory: true,
    replica: known,
    hello: { type: 'hello', protocol: 1, replicaId: 'R', cursor, localSeq, atRisk: 0 },
    role: 'write',
    now: NOW,
    truancyMs: 30 * DAY,
    ...rest,
  };
}

describe('the hello decision table', () => {
  test('a library without history accepts a writer, whatever it brings', () => {
    expect(decide(input({ hasHistory: false, replica: undefined, cursor: null }))).toEqual({ decision: 'accept' });
    expect(decide(input({ hasHistory: false, cursor: { epoch: 'OLD', serverSeq: 3 } }))).toEqual({ decision: 'accept' });
  });

  test('a library without history resumes a reader with nothing to send', () => {
    expect(decide(input({ hasHistory: false, role: 'read' }))).toEqual({ decision: 'resume' });
  });

  test('a known, recently seen replica with a cursor of this epoch resumes', () => {
    expect(decide(input())).toEqual({ decision: 'resume' });
  });

  test('a cursor from another epoch resets with library-reset, known replica or not', () => {
    expect(decide(input({ cursor: { epoch: 'E0', serverSeq: 20 } }))).toMatchObject({ decision: 'reset', reason: 'library-reset' });
    expect(decide(input({ replica: undefined, cursor: { epoch: 'E0', serverSeq: 2 } }))).toMatchObject({ reason: 'library-reset' });
  });

  test('a cursor in a range whose ops the server dropped after losing a fork resets with library-reset; without it the same hello resumes', () => {
    expect(decide(input({ holdsRefused: true }))).toMatchObject({ decision: 'reset', reason: 'library-reset', markTruant: false });
    expect(decide(input({ holdsRefused: false }))).toEqual({ decision: 'resume' });
  });

  test('a replica unknown to a library with history is a late joiner', () => {
    expect(decide(input({ replica: undefined, cursor: null }))).toMatchObject({ decision: 'reset', reason: 'late-joiner', markTruant: false });
    expect(decide(input({ replica: undefined, role: 'read', cursor: null }))).toMatchObject({ reason: 'late-joiner' });
  });

  test('a replica last seen longer ago than the truancy window is truant and gets marked', () => {
    const stale = { ...known, last_seen: NOW - 31 * DAY };
    expect(decide(input({ replica: stale }))).toEqual({ decision: 'reset', reason: 'truant', markTruant: true });
  });

  test('a replica already marked truant stays truant, however recently seen', () => {
    expect(decide(input({ replica: { ...known, status: 'truant', last_seen: NOW } }))).toMatchObject({ reason: 'truant', markTruant: false });
  });

  test.each([
    ['no cursor', { cursor: null }],
    ['a cursor ahead of the head', { cursor: { epoch: 'E1', serverSeq: 51 } }],
    ['a cursor behind the horizon (those ops are compacted)', { cursor: { epoch: 'E1', serverSeq: 9 } }],
    ['fewer own ops than the server holds', { localSeq: 6 }],
  ])('a known replica with %s resets with library-reset', (_name, o) => {
    expect(decide(input(o))).toMatchObject({ decision: 'reset', reason: 'library-reset' });
  });

  test('a writer whose stored cursor is behind the horizon only by its own acknowledged pushes resumes', () => {
    // It sent cursor 9 last; its pushes took acked_seq to 20 (no other replica's op in between).
    const writer = { ...known, cursor_seq: 9 };
    expect(decide(input({ replica: writer, cursor: { epoch: 'E1', serverSeq: 9 } }))).toEqual({ decision: 'resume' });
    expect(decide(input({ replica: writer, cursor: { epoch: 'E1', serverSeq: 8 } }))).toMatchObject({ decision: 'reset', reason: 'library-reset' });
    expect(decide(input({ replica: { ...writer, acked_seq: 9 }, cursor: { epoch: 'E1', serverSeq: 9 } }))).toMatchObject({ decision: 'reset' });
  });

  test('the cursor may sit exactly at the horizon or the head', () => {
    expect(decide(input({ cursor: { epoch: 'E1', serverSeq: 10 } }))).toEqual({ decision: 'resume' });
    expect(decide(input({ cursor: { epoch: 'E1', serverSeq: 50 } }))).toEqual({ decision: 'resume' });
  });
});

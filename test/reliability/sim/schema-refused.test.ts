/** The check's schema exemption (schema-refused.ts), on the ops of seed 1565735489 path 262 and seed -179567455 path 185. */
import { describe, expect, test } from 'vitest';
import type { Op } from 'trellis';
import { applyOps, emptyDocState } from '../../../src/merge/index.js';
import { rejects } from './reject-rule.js';
import { schemaRefuses } from './schema-refused.js';

const id = 'L'.repeat(256);
const todo = (title: string, createdAt: number) => ({ id, title, tags: [], createdAt, done: false, labels: {} });
// Seed 1565735489 path 262 (30% rejected): r1i1's put, rejected by the rule, then its update.
const put: Op = { replicaId: 'r1i1', seq: 1, ts: '0loyw3u0i0000', collection: 'todos', id, change: { kind: 'put', value: { id, title: 'a', tags: [], createdAt: 1700000000080, done: false, labels: {} } } };
const color: Op = { replicaId: 'r1i1', seq: 2, ts: '0loyw3u0s0000', collection: 'todos', id, change: { kind: 'set', path: ['meta', 'color'], value: '😀' } };
// Seed -179567455 path 185 (10% rejected): r1i1's put, rejected by the rule, its increment, and r2i1's put, seeded after.
const putB: Op = { replicaId: 'r1i1', seq: 1, ts: '0loyw3v6f0000', collection: 'todos', id, change: { kind: 'put', value: todo('a', 1700000003767) } };
const inc: Op = { replicaId: 'r1i1', seq: 2, ts: '0loyw3v790000', collection: 'todos', id, change: { kind: 'inc', path: ['createdAt'], by: 0 } };
const other: Op = { replicaId: 'r2i1', seq: 1, ts: '0loyw3u4i0000', collection: 'todos', id, change: { kind: 'put', value: todo('milk', 1700000003667) } };

describe('schemaRefuses', () => {
  test('the rule rejects the puts and lets the updates through: only the schema can refuse those', () => {
    expect([rejects(put, 30), rejects(color, 30), rejects(putB, 10), rejects(inc, 10), rejects(other, 10)]).toEqual([true, false, true, false, false]);
  });

  test('an update of a document the server never held is refused (a todo without title or createdAt)', () => {
    for (const reference of [undefined, emptyDocState]) expect(schemaRefuses(color, { reference, written: [], percent: 30 })).toBe(true);
  });

  test("an update behind its own replica's rejected put is refused, though another replica's put reached the server later", () => {
    const reference = applyOps(emptyDocState, [other]);
    expect(schemaRefuses(inc, { reference, written: [putB, inc, other], percent: 10 })).toBe(true);
  });

  test('an update of a document the server held, with no rejected put of its writer before it, is not exempt', () => {
    const reference = applyOps(emptyDocState, [other]);
    expect(schemaRefuses(inc, { reference, written: [inc, other], percent: 10 })).toBe(false);
    // Its writer's put came after it (a later seq), or was accepted: no exemption either.
    expect(schemaRefuses(inc, { reference, written: [{ ...putB, seq: 3 }, inc, other], percent: 10 })).toBe(false);
    expect(schemaRefuses(inc, { reference, written: [other, inc], percent: 0 })).toBe(false);
  });

  test('a valid put and a delete are never exempt', () => {
    expect(schemaRefuses(put, { reference: undefined, written: [], percent: 30 })).toBe(false);
    expect(schemaRefuses({ ...color, change: { kind: 'delete' } }, { reference: undefined, written: [], percent: 30 })).toBe(false);
  });
});

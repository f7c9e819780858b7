/** The check's schema exemption (schema-refused.ts), on the op the seed 1565735489 / path 262 schedule wrote. */
import { describe, expect, test } from 'vitest';
import type { Op } from 'trellis';
import { applyOps, emptyDocState } from '../../../src/merge/index.js';
import { rejects } from './reject-rule.js';
import { schemaRefusesAlone } from './schema-refused.js';

const id = 'L'.repeat(256);
const put: Op = { replicaId: 'r1i1', seq: 1, ts: '0loyw3u0i0000', collection: 'todos', id, change: { kind: 'put', value: { id, title: 'a', tags: [], createdAt: 1, done: false, labels: {} } } };
const color: Op = { replicaId: 'r1i1', seq: 2, ts: '0loyw3u0s0000', collection: 'todos', id, change: { kind: 'set', path: ['meta', 'color'], value: '😀' } };

describe('schemaRefusesAlone', () => {
  test("the schedule's update is one the rule lets through: only the schema can refuse it", () => {
    expect(rejects(color, 30)).toBe(false);
  });

  test('an update of a document the server never held is refused (a todo without title or createdAt)', () => {
    expect(schemaRefusesAlone(color, undefined)).toBe(true);
    expect(schemaRefusesAlone(color, emptyDocState)).toBe(true);
  });

  test('once the server held the document, the update is not exempt', () => {
    expect(schemaRefusesAlone(color, applyOps(emptyDocState, [put]))).toBe(false);
  });

  test('a valid put and a delete are never exempt', () => {
    expect(schemaRefusesAlone(put, undefined)).toBe(false);
    expect(schemaRefusesAlone({ ...color, change: { kind: 'delete' } }, undefined)).toBe(false);
  });
});

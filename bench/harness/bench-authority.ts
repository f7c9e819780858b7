/**
 * The schema and write rule of the authoritative server rows (server-ingest):
 * the bench documents' own schema (bench/client/shared.ts's, restated here
 * from source paths, since the Node side loads no page code) and a rule that
 * reads the document before and after each op, as an owner check does.
 */
import { defineSchema } from '../../src/schema/index.js';
import type { Schema } from '../../src/schema/index.js';
import type { WriteRules } from '../../src/server/core/index.js';

export const benchServerSchema: Schema = defineSchema({
  version: 1,
  collections: {
    items: {
      primaryKey: 'id',
      fields: {
        id: { type: 'string' },
        list: { type: 'string' },
        title: { type: 'string' },
        done: { type: 'boolean', default: false },
        priority: { type: 'number' },
        createdAt: { type: 'number' },
        notes: { type: 'string' },
        tags: { type: 'list', items: { type: 'string' }, default: [] },
      },
      indexes: { byList: ['list', 'createdAt'] },
    },
  },
});

/** An item never moves to another list (a rule that needs both states). */
export const benchServerRules: WriteRules = {
  items: {
    write: ({ before, after }) => before === undefined || after === undefined || before.list === after.list || 'An item stays in its list.',
  },
};

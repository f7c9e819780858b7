import { defineSchema } from 'trellis';

/** The schema from the store issue, used across tests. */
export const todoSchema = defineSchema({
  version: 1,
  collections: {
    todos: {
      primaryKey: 'id',
      fields: {
        id: { type: 'string' },
        title: { type: 'string' },
        done: { type: 'boolean', default: false },
        tags: { type: 'list', items: { type: 'string' }, default: [] },
        meta: { type: 'object', optional: true, fields: { color: { type: 'string', optional: true } } },
        createdAt: { type: 'number' },
      },
      indexes: { byDone: ['done', 'createdAt'], createdAt: ['createdAt'] },
    },
    notes: {
      primaryKey: 'id',
      fields: { id: { type: 'string' }, text: { type: 'string' } },
    },
  },
});

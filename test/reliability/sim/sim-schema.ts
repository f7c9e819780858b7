import { defineSchema } from 'trellis';

/** The simulated app's schema: nested objects, lists, a map with user-chosen keys. */
export const simSchema = defineSchema({
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
        labels: { type: 'map', values: { type: 'string' }, default: {} },
        createdAt: { type: 'number' },
      },
      indexes: { byDone: ['done', 'createdAt'] },
    },
    notes: {
      primaryKey: 'id',
      fields: { id: { type: 'string' }, text: { type: 'string' } },
    },
  },
});

export type SimCollection = keyof typeof simSchema.definition.collections;
export const SIM_COLLECTIONS: readonly SimCollection[] = ['todos', 'notes'];

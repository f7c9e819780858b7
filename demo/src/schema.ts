import { defineSchema, type Store } from 'trellis';
import type { UndoApi } from 'trellis/undo';

/** The demo's one collection: a shared household list. */
export const listSchema = defineSchema({
  version: 1,
  collections: {
    items: {
      primaryKey: 'id',
      fields: {
        id: { type: 'string' },
        title: { type: 'string' },
        done: { type: 'boolean', default: false },
        /** Who added it (the dev token's user name). */
        addedBy: { type: 'string', optional: true },
        createdAt: { type: 'number' },
      },
      indexes: { createdAt: ['createdAt'] },
    },
  },
});

export type ListStore = Store<typeof listSchema.definition> & UndoApi;
export type Item = { readonly id: string; readonly title: string; readonly done: boolean; readonly addedBy?: string; readonly createdAt: number };

/** The IndexedDB database the demo keeps its list in (one per browser profile). */
export const STORE_NAME = 'trellis-demo';

import { defineSchema } from 'trellis';

/** A collection with file fields: required, optional + nullable, and a list of files. */
export const fileSchema = defineSchema({
  version: 1,
  collections: {
    photos: {
      primaryKey: 'id',
      fields: {
        id: { type: 'string' },
        caption: { type: 'string', optional: true },
        image: { type: 'file' },
        thumb: { type: 'file', optional: true, nullable: true },
        album: { type: 'list', items: { type: 'file' }, default: [] },
      },
    },
  },
});

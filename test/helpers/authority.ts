/**
 * The schema and write rules the authoritative-server tests give a server
 * (Node: createNodeServer's `schema` and `rules`; Cloudflare: TestLibrary's
 * `schema()` and `rules()` when the Worker has TEST_AUTHORITY), and the
 * looser schema a client that writes what the server refuses opens.
 */
// Source paths, not 'trellis': the workerd test worker is bundled without the tests' alias.
import { defineSchema } from '../../src/schema/index.js';
import type { WriteRules } from '../../src/server/core/index.js';

/** What the server enforces: a todo's title is a string; a note is its owner's. */
export const serverSchema = defineSchema({
  version: 1,
  collections: {
    todos: { primaryKey: 'id', fields: { id: { type: 'string' }, title: { type: 'string' }, done: { type: 'boolean', default: false } } },
    notes: { primaryKey: 'id', fields: { id: { type: 'string' }, owner: { type: 'string' }, text: { type: 'string' } } },
  },
});

/** A client that drifted: its titles may be anything JSON. The server refuses every title that is not a string. */
export const looseSchema = defineSchema({
  version: 1,
  collections: {
    todos: { primaryKey: 'id', fields: { id: { type: 'string' }, title: { type: 'json' }, done: { type: 'boolean', default: false } } },
    notes: { primaryKey: 'id', fields: { id: { type: 'string' }, owner: { type: 'string' }, text: { type: 'string' } } },
  },
});

export const OWNER_ONLY = 'Only the owner of a note may change it.';
/** A todo with this title makes the rule throw (a rule's bug): the op is rejected with a generic message. */
export const THROWING_TITLE = 'throw in the rule';

export const serverRules: WriteRules = {
  notes: {
    write: ({ claims, before, after }) =>
      (before === undefined || before.owner === claims.user) && (after === undefined || after.owner === claims.user) ? true : OWNER_ONLY,
  },
  todos: {
    write: ({ after }) => {
      if (after?.title === THROWING_TITLE) throw new Error('a bug in the rule');
      return true;
    },
  },
};

/**
 * Replicas whose schemas disagree, through a server without a schema: a
 * document one replica's schema forbids is hidden there and listed on
 * store.invalidDocuments, never handed to its typed code; every replica still
 * holds the same ops. Over the Node server and the Durable Object.
 */
import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { defineSchema } from 'trellis';
import { eventually, openReplica } from '../helpers/sync-harness.js';
import { servers } from '../helpers/servers.js';
import { testDatabase, type TestDatabase } from '../helpers/open-test-store.js';
import { todoSchema } from '../helpers/todo-schema.js';

/** Another app's idea of the same library: its `title` is a number. */
const numericTitles = defineSchema({
  version: 1,
  collections: { ...todoSchema.definition.collections, todos: { ...todoSchema.definition.collections.todos, fields: { ...todoSchema.definition.collections.todos.fields, title: { type: 'number' } } } },
});

function withSchema(schema: typeof numericTitles): TestDatabase {
  const db = testDatabase();
  return { ...db, open: () => db.open({ schema: schema as unknown as typeof todoSchema }) } as TestDatabase;
}

describe.each(servers)('invalid remote documents ($name)', (factory) => {
  it("a document another replica's schema allows but this one forbids is hidden and listed, shown again once a valid op arrives, and late joiners hide it too", async () => {
    const server = await factory.start();
    const numeric = await openReplica(server, 'lib', { db: withSchema(numericTitles) });
    await numeric.settle();
    const reader = await openReplica(server, 'lib');
    await reader.settle();
    const todos = reader.store.collection('todos');

    await reader.store.collection('todos').put({ id: 'shared', title: 'Text', createdAt: 1 });
    await reader.settle();
    // The other app writes a number where this one's schema says string (the issue's `title: 42`).
    await (numeric.store.collection('todos') as never as { update(id: string, patch: object): Promise<void> }).update('shared', { title: 42 });
    await numeric.settle();
    const listed = await eventually(reader.store.invalidDocuments, (docs) => docs.length === 1);
    expect(listed).toEqual([{ collection: 'todos', id: 'shared', path: ['title'], message: 'field "title" must be a string, got number' }]);
    expect(await firstValueFrom(todos.get('shared'))).toBeUndefined();
    expect(await firstValueFrom(todos.find())).toEqual([]);

    // A valid op (from this replica's side) shows it again here, and hides it on the numeric side.
    const writer = await openReplica(server, 'lib');
    await eventually(writer.store.invalidDocuments, (docs) => docs.length === 1);
    await writer.store.collection('todos').put({ id: 'shared', title: 'Text again', createdAt: 2 });
    await writer.settle();
    await eventually(todos.get('shared'), (doc) => doc?.title === 'Text again');
    expect(await firstValueFrom(reader.store.invalidDocuments)).toEqual([]);
    await eventually(numeric.store.invalidDocuments, (docs) => docs.some((d) => d.id === 'shared'));

    // A late joiner's snapshot: the numeric replica's own new document is hidden there from the start.
    await (numeric.store.collection('todos') as never as { put(doc: object): Promise<void> }).put({ id: 'numbered', title: 7, createdAt: 3 });
    await numeric.settle();
    const late = await openReplica(server, 'lib');
    await late.settle();
    await eventually(late.store.collection('todos').find(), (docs) => docs.length === 1);
    expect((await firstValueFrom(late.store.invalidDocuments)).map((d) => d.id)).toEqual(['numbered']);
    await eventually(reader.store.invalidDocuments, (docs) => docs.map((d) => d.id).join() === 'numbered');
    await Promise.all([numeric.close(), reader.close(), writer.close(), late.close()]);
  });
});

/**
 * A replica whose schema is older than the server requires: SYNC_SCHEMA_OUTDATED,
 * phase `outdated`, the store keeps working locally, and it syncs once the app
 * runs the newer schema. Over the Node server and the Durable Object.
 */
import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { defineSchema } from 'trellis';
import { eventually, openReplica, type TestReplica } from '../helpers/sync-harness.js';
import { logged, servers } from '../helpers/servers.js';
import { testDatabase, type TestDatabase } from '../helpers/open-test-store.js';
import { todoSchema } from '../helpers/todo-schema.js';

/** The todo schema one version later: the same collections. */
const todoSchemaV2 = defineSchema({ ...todoSchema.definition, version: 2 });

/** A database whose store opens with `schema` (the app's schema at some release). */
function withSchema(db: TestDatabase, schema: typeof todoSchema | typeof todoSchemaV2): TestDatabase {
  return { ...db, open: () => db.open({ schema: schema as typeof todoSchema }) } as TestDatabase;
}

describe.each(servers)('outdated schema ($name)', (factory) => {
  it('a replica below minSchemaVersion gets SYNC_SCHEMA_OUTDATED and phase outdated, keeps working locally, and syncs after the app updates its schema', async () => {
    const server = await factory.start({ minSchemaVersion: 2 });
    const db = testDatabase();
    const old: TestReplica = await openReplica(server, 'lib', { db: withSchema(db, todoSchema) });
    const outdated = await old.waitFor((s) => s.phase === 'outdated');
    expect(outdated.error?.code).toBe('SYNC_SCHEMA_OUTDATED');
    expect(outdated.error?.message).toMatch(/schema version 2/);
    await logged(server, (e) => e.event === 'hello.schema-outdated' && e.fields.schemaVersion === 1 && e.fields.required === 2);

    // The store keeps working: writes, reads, live queries.
    await old.store.collection('todos').put({ id: 'offline', title: 'Written while outdated', createdAt: 1 });
    expect(await firstValueFrom(old.store.collection('todos').get('offline'))).toMatchObject({ title: 'Written while outdated' });
    await expect(old.sync.flushed()).rejects.toMatchObject({ code: 'SYNC_SCHEMA_OUTDATED' });
    await expect(old.sync.join()).rejects.toMatchObject({ code: 'SYNC_SCHEMA_OUTDATED' });
    expect(old.state().phase).toBe('outdated');
    // Nothing of it reached the server.
    expect(await server.query('lib', 'SELECT COUNT(*) AS n FROM replicas')).toEqual([{ n: 0 }]);
    await old.close();

    // The app updates: the same database opens with schema version 2, and its write reaches the library.
    const updated = await openReplica(server, 'lib', { db: withSchema(db, todoSchemaV2) });
    await updated.settle();
    const other = await openReplica(server, 'lib', { db: withSchema(testDatabase(), todoSchemaV2) });
    await eventually(other.store.collection('todos').get('offline'), (doc) => doc?.title === 'Written while outdated');
    await updated.close();
    await other.close();
  });

  it('a replica at the minimum syncs, and one below it never receives the library', async () => {
    const server = await factory.start({ minSchemaVersion: 2 });
    const current = await openReplica(server, 'lib', { db: withSchema(testDatabase(), todoSchemaV2) });
    await current.store.collection('todos').put({ id: 'a', title: 'For version 2', createdAt: 1 });
    await current.settle();
    const old = await openReplica(server, 'lib');
    expect((await old.waitFor((s) => s.phase === 'outdated')).error?.code).toBe('SYNC_SCHEMA_OUTDATED');
    expect(await firstValueFrom(old.store.collection('todos').find())).toEqual([]);
    await current.close();
    await old.close();
  });
});

import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { defineSchema, isTrellisError } from 'trellis';
import { testDatabase } from '../../helpers/open-test-store.js';
import { rawOps } from '../../helpers/raw-tables.js';

const v1 = defineSchema({
  version: 1,
  collections: {
    items: { primaryKey: 'id', fields: { id: { type: 'string' }, name: { type: 'string' } } },
  },
});

const v2 = defineSchema({
  version: 2,
  collections: {
    items: {
      primaryKey: 'id',
      fields: { id: { type: 'string' }, name: { type: 'string' }, rank: { type: 'number', default: 0 } },
      indexes: { byRank: ['rank'] },
    },
    labels: { primaryKey: 'id', fields: { id: { type: 'string' } } },
  },
});

const v3 = defineSchema({
  version: 3,
  collections: {
    items: {
      primaryKey: 'id',
      fields: { id: { type: 'string' }, name: { type: 'string' }, rank: { type: 'number', default: 0 } },
      indexes: { byRank: ['rank'] },
    },
    labels: { primaryKey: 'id', fields: { id: { type: 'string' } } },
  },
  migrations: { 3: { items: (doc) => ({ ...doc, name: String(doc.name).toUpperCase() }) } },
});

describe('schema evolution', () => {
  it('adds collections, fields (defaults filled) and indexes on a higher version without losing data', async () => {
    const db = testDatabase();
    const old = await db.open({ schema: v1 });
    await old.collection('items').bulkPut([{ id: 'a', name: 'apple' }, { id: 'b', name: 'pear' }]);
    await old.close();

    const upgraded = await db.open({ schema: v2 });
    const items = upgraded.collection('items');
    expect(await firstValueFrom(items.find({ orderBy: 'id' }))).toEqual([
      { id: 'a', name: 'apple', rank: 0 },
      { id: 'b', name: 'pear', rank: 0 },
    ]);
    await items.update('b', { rank: 5 });
    expect(await firstValueFrom(items.find({ where: { rank: { gt: 1 } } }))).toEqual([{ id: 'b', name: 'pear', rank: 5 }]);
    await upgraded.collection('labels').put({ id: 'l' });
    await upgraded.close();
  });

  it('runs migrations once, as ops', async () => {
    const db = testDatabase();
    const old = await db.open({ schema: v2 });
    await old.collection('items').put({ id: 'a', name: 'apple' });
    await old.close();
    const opsBefore = (await rawOps(db)).length;

    const migrated = await db.open({ schema: v3 });
    expect(await firstValueFrom(migrated.collection('items').get('a'))).toEqual({ id: 'a', name: 'APPLE', rank: 0 });
    await migrated.close();
    expect((await rawOps(db)).length).toBe(opsBefore + 1);

    const again = await db.open({ schema: v3 });
    await again.close();
    expect((await rawOps(db)).length).toBe(opsBefore + 1);
  });

  it('refuses to open with a lower version than stored, with SCHEMA_DOWNGRADE, touching nothing', async () => {
    const db = testDatabase();
    const current = await db.open({ schema: v2 });
    await current.collection('items').put({ id: 'a', name: 'apple' });
    await current.close();
    const opsBefore = await rawOps(db);

    const err = await db.open({ schema: v1 }).catch((e: unknown) => e);
    expect(isTrellisError(err, 'SCHEMA_DOWNGRADE')).toBe(true);
    expect(await rawOps(db)).toEqual(opsBefore);
    const reopened = await db.open({ schema: v2 });
    expect(await firstValueFrom(reopened.collection('items').get('a'))).toEqual({ id: 'a', name: 'apple', rank: 0 });
    await reopened.close();
  });

  it('rejects invalid schema definitions with SCHEMA_INVALID', () => {
    const bad = [
      { version: 0, collections: { a: { primaryKey: 'id', fields: { id: { type: 'string' } } } } },
      { version: 1, collections: {} },
      { version: 1, collections: { a: { primaryKey: 'nope', fields: { id: { type: 'string' } } } } },
      { version: 1, collections: { a: { primaryKey: 'id', fields: { id: { type: 'number' } } } } },
      { version: 1, collections: { a: { primaryKey: 'id', fields: { id: { type: 'string' }, x: { type: 'date' } } } } },
      { version: 1, collections: { a: { primaryKey: 'id', fields: { id: { type: 'string' } }, indexes: { i: ['missing'] } } } },
      { version: 1, collections: { a: { primaryKey: 'id', fields: { id: { type: 'string' }, n: { type: 'number', default: 'x' } } } } },
      { version: 1, collections: { 'bad name': { primaryKey: 'id', fields: { id: { type: 'string' } } } } },
    ];
    for (const definition of bad) {
      expect(() => defineSchema(definition as never)).toThrow(expect.objectContaining({ code: 'SCHEMA_INVALID' }));
    }
  });
});

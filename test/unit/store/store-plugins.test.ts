/**
 * createStore's opt-in parts (store/plugin.ts): undo() from 'trellis/undo' and
 * files() from 'trellis/files'. An app ships them only when it imports them,
 * so a store without them must say what to install instead of misbehaving.
 */
import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { defineSchema, ErrorCode } from 'trellis';
import { files } from 'trellis/files';
import { presence } from 'trellis/presence';
import { createSync } from 'trellis/sync';
import { undo } from 'trellis/undo';
import { expectCode } from '../../helpers/expect-code.js';
import { testDatabase } from '../../helpers/open-test-store.js';

const nestedFileSchema = defineSchema({
  version: 1,
  collections: {
    notes: { primaryKey: 'id', fields: { id: { type: 'string' } } },
    albums: {
      primaryKey: 'id',
      fields: {
        id: { type: 'string' },
        pages: { type: 'list', items: { type: 'object', fields: { scans: { type: 'map', values: { type: 'file' } } } }, default: [] },
      },
    },
  },
});

describe('createStore plugins', () => {
  it('refuses a schema with a file field, however deep, without files(), naming the collection and the fix; no database is created', async () => {
    const db = testDatabase();
    const err = await expectCode(db.open({ schema: nestedFileSchema }), ErrorCode.INVALID_ARGUMENT);
    expect(err.message).toContain('collection "albums" has a file field');
    expect(err.message).toContain("plugins: [files()] (import { files } from 'trellis/files')");
    expect((await db.indexedDB.databases()).map((d) => d.name)).not.toContain(db.name);
  });

  it('opens the same schema with files() and keeps a file written into a nested field', async () => {
    const db = testDatabase();
    const store = await db.open({ schema: nestedFileSchema, plugins: [files()] });
    await store.collection('albums').put({ id: 'a', pages: [{ scans: { front: new Blob(['scan']) } }] });
    const album = await firstValueFrom(store.collection('albums').get('a'));
    const scan = album?.pages[0]?.scans['front'];
    expect(scan?.state).toBe('local');
    expect(await scan?.blob().then((blob) => blob.text())).toBe('scan');
    await store.close();
  });

  it('refuses plugins that are not an array, not a store plugin, or installed twice, before opening anything', async () => {
    const db = testDatabase();
    const cases: [unknown, string][] = [
      [undo(), '`plugins` must be an array'],
      [[{ name: 'undo' }], 'each of `plugins` must be a store plugin'],
      [[presence()], 'each of `plugins` must be a store plugin'],
      [[undo(), undo()], 'the undo plugin is installed twice'],
    ];
    for (const [plugins, problem] of cases) {
      const err = await expectCode(db.open({ plugins: plugins as never }), ErrorCode.INVALID_ARGUMENT);
      expect(err.message).toContain(problem);
    }
    expect((await db.indexedDB.databases()).map((d) => d.name)).not.toContain(db.name);
  });

  it('without undo(), a store has no undo API; with it, undo reverts the last write', async () => {
    const db = testDatabase();
    const plain = await db.open();
    expect('undo' in plain || 'redo' in plain || 'undoState' in plain).toBe(false);
    await plain.collection('todos').put({ id: 'a', title: 'A', createdAt: 1 });
    await plain.close();
    const store = await db.open({ plugins: [undo()] });
    await store.collection('todos').update('a', { title: 'B' });
    expect(await store.undo()).toBe(true);
    // The write made before undo() was installed is not in this instance's history.
    expect(await store.undo()).toBe(false);
    await store.close();
  });

  it('createSync refuses undo() (a store plugin) and takes files() for a store without file fields', async () => {
    const store = await testDatabase().open();
    const refused = Promise.resolve().then(() => createSync(store, { url: 'ws://127.0.0.1:9', library: 'l', token: 't', plugins: [undo() as never] }));
    expect((await expectCode(refused, ErrorCode.INVALID_ARGUMENT)).message).toContain('each of `plugins` must be a plugin');
    const sync = createSync(store, { url: 'ws://127.0.0.1:9', library: 'l', token: 't', plugins: [files()] });
    await sync.stop();
    await store.close();
  });
});

import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { files } from 'trellis/files';
import { undo } from 'trellis/undo';
import { fileSchema } from '../../helpers/file-schema.js';
import { testDatabase } from '../../helpers/open-test-store.js';
import { rawOps, rawRows } from '../../helpers/raw-tables.js';
import { getStoreHost } from '../../../src/store/index.js';
import { expectCode } from '../../helpers/expect-code.js';

async function setup() {
  const db = testDatabase();
  const store = await db.open({ schema: fileSchema, plugins: [files(), undo()] });
  const photos = store.collection('photos');
  const read = (id = 'p') => firstValueFrom(photos.get(id));
  return { db, store, photos, read };
}

const file = (text: string, name = 'a.txt', type = 'text/plain') => new File([text], name, { type });

describe('file fields', () => {
  it('a put Blob comes back as a handle with its name, type, size and the same bytes', async () => {
    const { photos, read, store } = await setup();
    await photos.put({ id: 'p', image: file('hello, file', 'hello.txt') });
    const doc = await read();
    expect(doc?.image).toMatchObject({ name: 'hello.txt', type: 'text/plain', size: 11, state: 'local' });
    expect(await (await doc!.image.blob()).text()).toBe('hello, file');
    const url = await doc!.image.url();
    expect(url).toMatch(/^blob:/);
    expect(await doc!.image.url()).toBe(url);
    await store.close();
  });

  it('the op and the document carry only the reference, the bytes stay in `files`', async () => {
    const { db, photos, read, store } = await setup();
    await photos.put({ id: 'p', image: new Blob(['bytes'], { type: 'application/octet-stream' }) });
    const { image } = (await read())!;
    const ref = { id: image.id, name: '', type: 'application/octet-stream', size: 5 };
    const [op] = await rawOps(db);
    expect(op.change.value.image).toEqual(ref);
    const [row] = await rawRows(db, 'c_photos');
    expect(row.d.image).toEqual(ref);
    const files = await rawRows(db, 'files');
    expect(files).toHaveLength(1);
    expect(files[0]).toMatchObject({ ...ref, state: 'local' });
    expect(await (files[0].data as Blob).text()).toBe('bytes');
    await store.close();
  });

  it('update replaces the file; the old handle still reads the old bytes', async () => {
    const { photos, read, store } = await setup();
    await photos.put({ id: 'p', image: file('one', 'one.txt') });
    const before = (await read())!.image;
    await photos.update('p', { image: file('two!', 'two.txt'), thumb: file('t', 't.png', 'image/png') });
    const after = (await read())!;
    expect(after.image.id).not.toBe(before.id);
    expect(after.image).toMatchObject({ name: 'two.txt', size: 4 });
    expect(await (await after.image.blob()).text()).toBe('two!');
    expect(after.thumb).toMatchObject({ name: 't.png', type: 'image/png' });
    expect(await (await before.blob()).text()).toBe('one');
    await photos.update('p', { thumb: null });
    expect((await read())!.thumb).toBeNull();
    await store.close();
  });

  it('a handle written back (or into another document) keeps the same file', async () => {
    const { photos, read, store } = await setup();
    await photos.put({ id: 'p', image: file('shared') });
    const doc = (await read())!;
    await photos.put({ ...doc, caption: 'again' });
    await photos.put({ id: 'q', image: doc.image });
    expect((await read())!.image.id).toBe(doc.image.id);
    expect(await (await (await read('q'))!.image.blob()).text()).toBe('shared');
    await store.close();
  });

  it('lists of files take Blobs through put and listPush', async () => {
    const { photos, read, store } = await setup();
    await photos.put({ id: 'p', image: file('cover'), album: [file('1')] });
    await photos.listPush('p', 'album', file('22'));
    const { album } = (await read())!;
    expect(album.map((h) => h.size)).toEqual([1, 2]);
    expect(await (await album[1]!.blob()).text()).toBe('22');
    const found = await firstValueFrom(photos.find());
    expect(found[0]!.album[0]!.state).toBe('local');
    await store.close();
  });

  it('refuses a value that is no file with SCHEMA_VIOLATION and writes nothing', async () => {
    const { db, photos, store } = await setup();
    await expectCode(photos.put({ id: 'p', image: 'not a file' as never }), 'SCHEMA_VIOLATION');
    await expectCode(photos.put({ id: 'p', image: { id: 'x', name: 'n' } as never }), 'SCHEMA_VIOLATION');
    await expectCode(photos.put({ id: 'p', image: { id: '../etc', name: 'n', type: '', size: 1 } as never }), 'SCHEMA_VIOLATION');
    await expectCode(photos.put({ id: 'p', image: null as never }), 'SCHEMA_VIOLATION');
    await expectCode(photos.put({ id: 'p' } as never), 'SCHEMA_VIOLATION');
    // A Blob with a bad sibling field: the whole write is refused, the bytes are not kept either.
    await expectCode(photos.put({ id: 'p', image: file('x'), caption: 3 as never }), 'SCHEMA_VIOLATION');
    expect(await rawRows(db, 'files')).toEqual([]);
    expect(await rawOps(db)).toEqual([]);
    await store.close();
  });

  it('a reference whose bytes are not here is `missing` and blob() says FILE_NOT_FOUND without sync', async () => {
    const { photos, read, store } = await setup();
    await photos.put({ id: 'p', image: { id: 'elsewhere', name: 'x.bin', type: '', size: 3 } as never });
    const { image } = (await read())!;
    expect(image.state).toBe('missing');
    await expectCode(image.blob(), 'FILE_NOT_FOUND');
    await store.close();
  });

  it('a rolled-back transaction keeps no bytes', async () => {
    const { db, photos, store } = await setup();
    await store
      .transaction(async () => {
        await photos.put({ id: 'p', image: file('gone') });
        throw new Error('abort');
      })
      .catch(() => undefined);
    expect(await rawRows(db, 'files')).toEqual([]);
    await store.close();
  });

  it('undo brings the previous file back', async () => {
    const { photos, read, store } = await setup();
    await photos.put({ id: 'p', image: file('first') });
    await photos.update('p', { image: file('second') });
    await store.undo();
    expect(await (await (await read())!.image.blob()).text()).toBe('first');
    await store.close();
  });
});

describe('files and resets', () => {
  it('a reset archives the document but keeps its bytes, so re-applying the archive brings the file back', async () => {
    const { photos, read, store } = await setup();
    await photos.put({ id: 'p', image: file('keep me') });
    const host = getStoreHost(store);
    const { archive } = await host.resetToSnapshot({ baselines: [], ops: [] }, { replicaId: 'next', reason: 'late-joiner' });
    expect(await read()).toBeUndefined();
    await store.reapplyArchive(archive!.id);
    const doc = await read();
    expect(doc!.image.state).toBe('local');
    expect(await (await doc!.image.blob()).text()).toBe('keep me');
    await store.close();
  });
});

describe('files table upgrade', () => {
  it('a database made before the files table gains it on open', async () => {
    const { Dexie } = await import('dexie');
    const { IDBKeyRange } = await import('fake-indexeddb');
    const db = testDatabase();
    const old = new Dexie(db.name, { indexedDB: db.indexedDB, IDBKeyRange });
    old.version(1).stores({ meta: 'key', ops: '[replicaId+seq], serverSeq', heads: '[collection+id]', archives: 'id, createdAt', c_photos: 'k' });
    await old.open();
    old.close();
    const store = await db.open({ schema: fileSchema, plugins: [files(), undo()] });
    await store.collection('photos').put({ id: 'p', image: file('upgraded') });
    expect(await (await (await firstValueFrom(store.collection('photos').get('p')))!.image.blob()).text()).toBe('upgraded');
    await store.close();
  });
});

/**
 * Files in documents, installed by the files() plugin (trellis/files) as
 * `ctx.files` (createFileSupport): the store ships none of this unless the
 * app imports it. A write swaps each Blob of a `file` field for a FileRef
 * `{ id, name, type, size }` (the only thing ops and the wire carry) and keeps
 * the bytes in the `files` table, in the same transaction as the write. Reads
 * swap refs for FileHandles. The same plugin, passed to createSync, uploads
 * rows still `local` and lends a downloader for refs whose bytes are not here (state `missing`).
 */
import type { JsonObject } from '../core/index.js';
import { ErrorCode, TrellisError } from '../core/index.js';
import type { CollectionDef, FieldDef, FieldsDef, FileHandle, FileRef, FileState } from '../schema/index.js';
import { isFileRef } from '../schema/index.js';
import type { StoreContext } from './context.js';
import type { FileHost, FileRow, FileSupport } from './file-types.js';
import { putRows, type Mutations } from './idb.js';

export type { FileHost, FileRow, FileSupport } from './file-types.js';

interface Registry {
  readonly urls: Map<string, string>;
  readonly downloads: Map<string, Promise<Blob>>;
  download?: ((ref: FileRef) => Promise<Blob>) | undefined;
}

const registries = new WeakMap<StoreContext, Registry>();
/** Handles → the ref they stand for, so a handle written back stores its ref. */
const handleRefs = new WeakMap<object, FileRef>();
/** Which definitions hold a file field somewhere (most do not: their reads and writes skip all of this). */
const holdsFiles = new WeakMap<object, boolean>();
/** Rows staged by a write scope, written when it flushes. */
const staged = new WeakMap<object, FileRow[]>();

function registry(ctx: StoreContext): Registry {
  let reg = registries.get(ctx);
  if (reg === undefined) registries.set(ctx, (reg = { urls: new Map(), downloads: new Map() }));
  return reg;
}

export function hasFiles(def: FieldDef | CollectionDef): boolean {
  let found = holdsFiles.get(def);
  if (found === undefined) {
    const d = def as FieldDef;
    found =
      'primaryKey' in def || d.type === 'object'
        ? Object.values((def as { fields: FieldsDef }).fields).some(hasFiles)
        : d.type === 'file' || (d.type === 'list' && hasFiles(d.items)) || (d.type === 'map' && hasFiles(d.values));
    holdsFiles.set(def, found);
  }
  return found;
}

const isBlob = (value: unknown): value is Blob => typeof Blob !== 'undefined' && value instanceof Blob;
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Rewrites `value` along `def`: `visit` replaces what a file field holds; everything else is copied only where it changes. */
function walk(def: FieldDef, value: unknown, visit: (value: unknown) => unknown): unknown {
  if (value === null || value === undefined || !hasFiles(def)) return value;
  switch (def.type) {
    case 'file':
      return visit(value);
    case 'object':
      return isObject(value) ? walkFields(def.fields, value, visit) : value;
    case 'list':
      return Array.isArray(value) ? value.map((item) => walk(def.items, item, visit)) : value;
    case 'map':
      return isObject(value) ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(def.values, v, visit)])) : value;
    default:
      return value;
  }
}

function walkFields(fields: FieldsDef, value: Record<string, unknown>, visit: (value: unknown) => unknown): Record<string, unknown> {
  const out = { ...value };
  for (const [key, def] of Object.entries(fields)) if (Object.hasOwn(value, key)) out[key] = walk(def, value[key], visit);
  return out;
}

/**
 * files: swaps the Blobs (and handles) of a put or patch for refs, before
 * validation and before anything is written. Returns the value to write and
 * the rows to store with it. `fields` is the collection's, or one list's items.
 */
export function extractFiles(ctx: StoreContext, def: FieldsDef | FieldDef, value: unknown): { value: unknown; files: FileRow[] } {
  const files: FileRow[] = [];
  const field: FieldDef = 'type' in def && typeof def.type === 'string' ? (def as FieldDef) : { type: 'object', fields: def as FieldsDef };
  if (!hasFiles(field)) return { value, files };
  const visit = (item: unknown): unknown => {
    if (isBlob(item)) {
      const ref: FileRef = { id: ctx.createId(), name: (item as Partial<File>).name ?? '', type: item.type, size: item.size };
      files.push({ ...ref, data: item, state: 'local', createdAt: ctx.now() });
      return ref;
    }
    const ref = isObject(item) ? handleRefs.get(item) : undefined;
    return ref === undefined ? item : { ...ref };
  };
  return { value: field.type === 'object' && isObject(value) ? walkFields(field.fields, value, visit) : walk(field, value, visit), files };
}

/** files: keeps the rows of a write until its scope flushes (called once the write validated). */
export function stageFiles(scope: object, files: readonly FileRow[] | undefined): void {
  if (files === undefined || files.length === 0) return;
  const rows = staged.get(scope);
  if (rows === undefined) staged.set(scope, [...files]);
  else rows.push(...files);
}

/** files: writes the staged rows into the scope's transaction. */
export async function flushFiles(scope: { readonly idb: IDBTransaction; readonly mutations: Mutations }): Promise<void> {
  const rows = staged.get(scope);
  if (rows === undefined || rows.length === 0) return;
  staged.delete(scope);
  await putRows(scope.idb, scope.mutations, 'files', rows);
}

/** Replaces the refs in documents read from a collection by handles; reads `files` (so a live query follows upload state). */
export async function withHandles<D>(ctx: StoreContext, def: CollectionDef, docs: D): Promise<D> {
  if (!hasFiles(def) || docs === undefined) return docs;
  const list = (Array.isArray(docs) ? docs : [docs]) as JsonObject[];
  const ids = new Set<string>();
  const collect = (item: unknown) => {
    if (isFileRef(item)) ids.add((item as FileRef).id);
    return item;
  };
  for (const doc of list) walkFields(def.fields, doc, collect);
  const rows = (await ctx.db.table('files').bulkGet([...ids])) as (FileRow | undefined)[];
  const states = new Map([...ids].map((id, i) => [id, rows[i]?.state ?? ('missing' as const)]));
  const toHandle = (item: unknown) => (isFileRef(item) ? createHandle(ctx, item as FileRef, states.get((item as FileRef).id) ?? 'missing') : item);
  const out = list.map((doc) => walkFields(def.fields, doc, toHandle));
  return (Array.isArray(docs) ? out : out[0]) as D;
}

function createHandle(ctx: StoreContext, ref: FileRef, state: FileState): FileHandle {
  const copy: FileRef = { id: ref.id, name: ref.name, type: ref.type, size: ref.size };
  const handle: FileHandle = Object.freeze({ ...copy, state, url: () => fileUrl(ctx, copy), blob: () => fileBlob(ctx, copy) });
  handleRefs.set(handle, copy);
  return handle;
}

/** The bytes: from `files`, else downloaded once (through the sync plugin) and kept. */
export function fileBlob(ctx: StoreContext, ref: FileRef): Promise<Blob> {
  const reg = registry(ctx);
  const running = reg.downloads.get(ref.id);
  if (running !== undefined) return running;
  const loading = (async () => {
    const row = (await ctx.db.table('files').get(ref.id)) as FileRow | undefined;
    if (row !== undefined) return row.data;
    if (reg.download === undefined) {
      throw new TrellisError(ErrorCode.FILE_NOT_FOUND, `File "${ref.name || ref.id}" is not on this replica; sync with the files() plugin (trellis/files) to download it.`, { details: { id: ref.id } });
    }
    const data = await reg.download(ref);
    // A concurrent put of the same id (a re-upload) keeps its own row.
    await ctx.db.transaction('rw', ['files'], async (tx) => {
      if ((await tx.table('files').get(ref.id)) === undefined) await tx.table('files').put({ ...ref, data, state: 'uploaded', createdAt: ctx.now() } satisfies FileRow);
    });
    return data;
  })();
  reg.downloads.set(ref.id, loading);
  void loading.then(
    () => reg.downloads.delete(ref.id),
    () => reg.downloads.delete(ref.id),
  );
  return loading;
}

/** One object URL per file and store, revoked by `closeFiles` when the store closes. */
export async function fileUrl(ctx: StoreContext, ref: FileRef): Promise<string> {
  const reg = registry(ctx);
  const known = reg.urls.get(ref.id);
  if (known !== undefined) return known;
  const blob = await fileBlob(ctx, ref);
  const url = reg.urls.get(ref.id) ?? URL.createObjectURL(blob.type === ref.type ? blob : new Blob([blob], { type: ref.type }));
  reg.urls.set(ref.id, url);
  return url;
}

/** files: revokes the store's object URLs and stops downloads (store.close). */
export function closeFiles(ctx: StoreContext): void {
  const reg = registries.get(ctx);
  if (reg === undefined) return;
  for (const url of reg.urls.values()) URL.revokeObjectURL(url);
  reg.urls.clear();
  reg.download = undefined;
}

export function createFileHost(ctx: StoreContext): FileHost {
  const files = () => ctx.db.table('files');
  // Without file fields there is nothing to upload: spare every write its query of `files`.
  const any = Object.values(ctx.schema.definition.collections).some(hasFiles);
  return {
    pendingUploads: async (limit) =>
      !any ? [] : ((await files().where('state').anyOf('local', 'uploading').toArray()) as FileRow[]).sort((a, b) => a.createdAt - b.createdAt).slice(0, limit),
    setState: async (id, state, error) => {
      // Once settled (uploaded or refused), a row is no longer being restored.
      const settled = state === 'uploaded' || state === 'rejected' ? { restoring: undefined } : {};
      await files().update(id, { state, error, ...settled });
    },
    uploadedIds: async () => (!any ? [] : ((await files().where('state').equals('uploaded').primaryKeys()) as string[])),
    reupload: async (id) => {
      await ctx.db.transaction('rw', ['files'], async (tx) => {
        const row = (await tx.table('files').get(id)) as FileRow | undefined;
        if (row?.state === 'uploaded') await tx.table('files').update(id, { state: 'local', restoring: true });
      });
    },
    setDownloader: (download) => {
      registry(ctx).download = download;
    },
  };
}

/** What the files() plugin installs into a store (context.ts `files`). */
export function createFileSupport(ctx: StoreContext): FileSupport {
  return {
    holds: hasFiles,
    extract: (def, value) => extractFiles(ctx, def, value),
    withHandles: (def, docs) => withHandles(ctx, def, docs),
    stage: stageFiles,
    flush: flushFiles,
    host: createFileHost(ctx),
    close: () => closeFiles(ctx),
  };
}

/** The files() plugin's store part (trellis/files): installs file support into the store's internals. */
export function extendStoreWithFiles(ctx: StoreContext): Record<never, never> {
  ctx.files = createFileSupport(ctx);
  return {};
}

/**
 * The shapes of file support (files.ts), apart from its code: the store's
 * write path and the sync plugin name them whether or not the files()
 * plugin is installed.
 */
import type { CollectionDef, FieldDef, FieldsDef, FileRef, FileState } from '../schema/index.js';
import type { Mutations } from './idb.js';

/** A row of `files`: the bytes of one file, with its upload state (never `missing`: then there is no row). */
export interface FileRow extends FileRef {
  readonly data: Blob;
  readonly state: Exclude<FileState, 'missing'>;
  /** The code the server refused it with (state `rejected`). */
  readonly error?: string;
  /** Set by `reupload`: the server lost a file this replica held as uploaded; a replica that may not upload keeps it so. */
  readonly restoring?: boolean;
  readonly createdAt: number;
}

/** The sync plugin's handle on the files of a store. */
export interface FileHost {
  /** Rows waiting for upload (`local`, or `uploading` when a previous attempt was cut off), oldest first. */
  pendingUploads(limit: number): Promise<FileRow[]>;
  setState(id: string, state: FileRow['state'], error?: string): Promise<void>;
  /** Ids of the rows in state `uploaded` (uploaded here, or downloaded); reads no bytes. */
  uploadedIds(): Promise<string[]>;
  /** Marks an `uploaded` row `local` and `restoring` (the server lost it): the next upload pass sends it. Other states are left alone. */
  reupload(id: string): Promise<void>;
  /** Fetches the bytes of a file this replica lacks; undefined stops downloads. */
  setDownloader(download: ((ref: FileRef) => Promise<Blob>) | undefined): void;
}

/** File fields in one store: installed as `ctx.files` by the files() plugin (files.ts createFileSupport). */
export interface FileSupport {
  /** Whether `def` holds a file field somewhere (most do not: their reads and writes skip the rest). */
  holds(def: FieldDef | CollectionDef): boolean;
  /** Swaps the Blobs (and handles) of a put or patch for refs; returns the value to write and the rows to store with it. */
  extract(def: FieldsDef | FieldDef, value: unknown): { value: unknown; files: FileRow[] };
  /** Replaces the refs in documents read from a collection by handles. */
  withHandles<D>(def: CollectionDef, docs: D): Promise<D>;
  /** Keeps the rows of a validated write until its scope flushes. */
  stage(scope: object, files: readonly FileRow[] | undefined): void;
  /** Writes the staged rows into the scope's transaction. */
  flush(scope: { readonly idb: IDBTransaction; readonly mutations: Mutations }): Promise<void>;
  readonly host: FileHost;
  /** Revokes object URLs and stops downloads (store.close). */
  close(): void;
}

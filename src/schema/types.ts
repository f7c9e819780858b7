/**
 * Schema definitions and the document types inferred from them, without codegen.
 */
import type { Json, JsonObject } from '../core/index.js';

interface FieldBase<T> {
  /** The field may be absent. */
  readonly optional?: boolean;
  /** The field may be `null`. */
  readonly nullable?: boolean;
  /** Filled in when the field is absent on write (makes the field optional on input). */
  readonly default?: T;
}

export interface StringField extends FieldBase<string> { readonly type: 'string' }
export interface NumberField extends FieldBase<number> { readonly type: 'number' }
export interface BooleanField extends FieldBase<boolean> { readonly type: 'boolean' }
export interface JsonField extends FieldBase<Json> { readonly type: 'json' }
export interface ObjectField extends FieldBase<JsonObject> {
  readonly type: 'object';
  readonly fields: FieldsDef;
}
export interface ListField extends FieldBase<readonly Json[]> {
  readonly type: 'list';
  readonly items: FieldDef;
}
export interface MapField extends FieldBase<JsonObject> {
  readonly type: 'map';
  readonly values: FieldDef;
}

/** A file: the app writes a Blob or File, the document keeps a FileRef, queries return a FileHandle. */
export interface FileField extends FieldBase<never> { readonly type: 'file' }

/** What a document stores (and ops carry) for a file: never the bytes. */
export interface FileRef {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly size: number;
}

/**
 * Where a file's bytes are: `local` (only on this replica, waiting for upload),
 * `uploading`, `uploaded` (on the server and here), `missing` (only on the
 * server: `url()`/`blob()` download it through sync), `rejected` (the server
 * refused it, e.g. FILE_TOO_LARGE; it stays here only).
 */
export type FileState = 'local' | 'uploading' | 'uploaded' | 'missing' | 'rejected';

/** A file field as queries return it. Write it back (or into another document) as is. */
export interface FileHandle extends FileRef {
  readonly state: FileState;
  /** An object URL of the bytes (downloaded on first use when `missing`), revoked when the store closes. */
  url(): Promise<string>;
  blob(): Promise<Blob>;
}

export type FieldDef = StringField | NumberField | BooleanField | JsonField | ObjectField | ListField | MapField | FileField;
export type FieldType = FieldDef['type'];
export type FieldsDef = { readonly [name: string]: FieldDef };

export interface CollectionDef {
  /** The field holding the document's id; must be a required string field. */
  readonly primaryKey: string;
  readonly fields: FieldsDef;
  /** Named indexes: a list of top-level scalar fields (compound when more than one). */
  readonly indexes?: { readonly [name: string]: readonly string[] };
}

/** A migration step: turns a document of the previous version into one of this version. */
export type Migration = (doc: JsonObject) => JsonObject;

export interface SchemaDef {
  /** Positive integer; raise it whenever collections, fields or indexes change. */
  readonly version: number;
  /**
   * The version of this schema's latest breaking change: a server holding this schema (`createNodeServer({ schema })`)
   * refuses replicas whose schema `version` is older with SYNC_SCHEMA_OUTDATED. A change is breaking when a replica of
   * the older schema could write what this one refuses (a field removed, renamed, narrowed or made required, a
   * collection removed). Between 1 and `version`; absent: every version may sync.
   */
  readonly breakingSince?: number;
  readonly collections: { readonly [name: string]: CollectionDef };
  /** `migrations[v][collection]` runs once on each document when the database moves up to version `v`. */
  readonly migrations?: { readonly [version: number]: { readonly [collection: string]: Migration } };
}

/** A validated schema. `S` keeps the literal definition for type inference. */
export interface Schema<S extends SchemaDef = SchemaDef> {
  readonly version: number;
  readonly definition: S;
  readonly collectionNames: readonly string[];
}

type Simplify<T> = { [K in keyof T]: T[K] } & {};

type Nullable<F, T> = F extends { readonly nullable: true } ? T | null : T;

type BaseValue<F> = F extends { readonly type: 'string' }
  ? string
  : F extends { readonly type: 'number' }
    ? number
    : F extends { readonly type: 'boolean' }
      ? boolean
      : F extends { readonly type: 'json' }
        ? Json
        : F extends { readonly type: 'object'; readonly fields: infer Fs extends FieldsDef }
          ? DocOfFields<Fs>
          : F extends { readonly type: 'list'; readonly items: infer I }
            ? FieldValue<I>[]
            : F extends { readonly type: 'map'; readonly values: infer V }
              ? Record<string, FieldValue<V>>
              : F extends { readonly type: 'file' }
                ? FileHandle
                : never;

type InputBaseValue<F> = F extends { readonly type: 'object'; readonly fields: infer Fs extends FieldsDef }
  ? InputOfFields<Fs>
  : F extends { readonly type: 'list'; readonly items: infer I }
    ? InputValue<I>[]
    : F extends { readonly type: 'map'; readonly values: infer V }
      ? Record<string, InputValue<V>>
      : F extends { readonly type: 'file' }
        ? Blob | FileHandle
        : BaseValue<F>;

/** The value type of one field as read. */
export type FieldValue<F> = Nullable<F, BaseValue<F>>;
/** The value type of one field as written. */
export type InputValue<F> = Nullable<F, InputBaseValue<F>>;

type OptionalOnRead<Fs> = { [K in keyof Fs]: Fs[K] extends { readonly optional: true } ? K : never }[keyof Fs];
type OptionalOnWrite<Fs> = {
  [K in keyof Fs]: Fs[K] extends { readonly optional: true } ? K : Fs[K] extends { readonly default: unknown } ? K : never;
}[keyof Fs];

export type DocOfFields<Fs> = Simplify<
  { -readonly [K in Exclude<keyof Fs, OptionalOnRead<Fs>>]: FieldValue<Fs[K]> } & {
    -readonly [K in OptionalOnRead<Fs>]?: FieldValue<Fs[K]>;
  }
>;
export type InputOfFields<Fs> = Simplify<
  { -readonly [K in Exclude<keyof Fs, OptionalOnWrite<Fs>>]: InputValue<Fs[K]> } & {
    -readonly [K in OptionalOnWrite<Fs>]?: InputValue<Fs[K]>;
  }
>;

/**
 * What the schema-derived types accept: the value `defineSchema` returns
 * (`typeof schema`) or its definition (`(typeof schema)['definition']`).
 */
export type SchemaLike = SchemaDef | Schema;

/** The definition of either form: a `Schema` is unwrapped, a definition is itself. */
export type DefinitionOf<S extends SchemaLike> = S extends { readonly definition: infer D extends SchemaDef } ? D : S;

type CollectionsOf<S extends SchemaLike> = DefinitionOf<S>['collections'];

/** Names of the collections of a schema (`typeof schema`, or its definition). */
export type CollectionName<S extends SchemaLike> = keyof CollectionsOf<S> & string;
/** A document of collection `C` as queries return it: `DocOf<typeof schema, 'todos'>`. */
export type DocOf<S extends SchemaLike, C extends CollectionName<S>> = DocOfFields<CollectionsOf<S>[C]['fields']>;
/** A document of collection `C` as `put` accepts it (defaulted fields optional). */
export type InputOf<S extends SchemaLike, C extends CollectionName<S>> = InputOfFields<CollectionsOf<S>[C]['fields']>;
/** A partial update of collection `C`: nested objects may be partial too. */
export type PatchOf<S extends SchemaLike, C extends CollectionName<S>> = PatchOfFields<CollectionsOf<S>[C]['fields']>;

type PatchOfFields<Fs> = {
  -readonly [K in keyof Fs]?: Fs[K] extends { readonly type: 'object'; readonly fields: infer Inner }
    ? Nullable<Fs[K], PatchOfFields<Inner>> | (Fs[K] extends { readonly optional: true } ? undefined : never)
    : InputValue<Fs[K]> | (Fs[K] extends { readonly optional: true } ? undefined : never);
};

/** Names of the list fields of collection `C`. */
export type ListFieldName<S extends SchemaLike, C extends CollectionName<S>> = {
  [K in keyof CollectionsOf<S>[C]['fields']]: CollectionsOf<S>[C]['fields'][K] extends { readonly type: 'list' } ? K : never;
}[keyof CollectionsOf<S>[C]['fields']] &
  string;

/** Names of the top-level number fields of collection `C` (what `increment` takes as a field name). */
export type NumberFieldName<S extends SchemaLike, C extends CollectionName<S>> = {
  [K in keyof CollectionsOf<S>[C]['fields']]: CollectionsOf<S>[C]['fields'][K] extends { readonly type: 'number' } ? K : never;
}[keyof CollectionsOf<S>[C]['fields']] &
  string;

/** The item type of list field `F` of collection `C`. */
export type ListItemOf<S extends SchemaLike, C extends CollectionName<S>, F extends ListFieldName<S, C>> =
  CollectionsOf<S>[C]['fields'][F] extends { readonly type: 'list'; readonly items: infer I } ? InputValue<I> : never;

/**
 * schema: `defineSchema`, the document types inferred from a schema, and
 * validation with defaults. Imports core only; never store, sync or server.
 *
 *   const schema = defineSchema({ version: 1, collections: { todos: { primaryKey: 'id',
 *     fields: { id: { type: 'string' }, done: { type: 'boolean', default: false } } } } });
 *   type Todo = DocOf<typeof schema, 'todos'>;   // { id: string; done: boolean }
 */
export { defineSchema } from './define-schema.js';
export { validateValue, validateFields, assertDocument, applyDefaults, isFileRef } from './validate.js';
export type { Violation } from './validate.js';
export { stripUnknown } from './strip-unknown.js';
export { fieldAt } from './field-at.js';
export type {
  SchemaDef,
  Schema,
  CollectionDef,
  FieldDef,
  FieldsDef,
  FieldType,
  Migration,
  StringField,
  NumberField,
  BooleanField,
  JsonField,
  ObjectField,
  ListField,
  MapField,
  FileField,
  FileRef,
  FileHandle,
  FileState,
  SchemaLike,
  DefinitionOf,
  CollectionName,
  DocOf,
  InputOf,
  PatchOf,
  ListFieldName,
  ListItemOf,
  NumberFieldName,
  FieldValue,
  InputValue,
  DocOfFields,
  InputOfFields,
} from './types.js';

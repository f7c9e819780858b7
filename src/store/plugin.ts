/**
 * The seam between createStore and its opt-in parts: file fields
 * (`files()` from 'trellis/files') and undo (`undo()` from 'trellis/undo').
 * An app ships a part only when it imports it: createStore knows this
 * interface, never a part's code.
 *
 *   const store = await createStore({ name: 'app', schema, plugins: [undo(), files()] });
 *   await store.undo(); // typed: `undo` exists because undo() is installed
 */
import { ErrorCode, TrellisError } from '../core/index.js';
import type { FieldDef } from '../schema/index.js';
import type { StoreContext } from './context.js';

export interface StorePlugin<Adds extends object = object> {
  readonly name: string;
  /**
   * Internal to Trellis: hooks the part into one store's internals, once the
   * database is open and before the first write; returns what the store gains.
   * (Its parameter is not part of the public API, hence `never`.)
   */
  readonly extendStore: (internals: never) => Adds;
}

/** What the plugins `P` add to the Store object, all together. */
export type StorePluginAdds<P extends readonly StorePlugin[]> = UnionToIntersection<AddsOf<P[number]>>;
type AddsOf<T> = T extends StorePlugin<infer A> ? A : never;
type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

const isPlugin = (p: unknown): p is StorePlugin =>
  typeof p === 'object' && p !== null && typeof (p as StorePlugin).name === 'string' && typeof (p as StorePlugin).extendStore === 'function';

/** Checks `plugins` (INVALID_ARGUMENT before the database opens: not an array, not a store plugin, or two of one name). */
export function checkStorePlugins(plugins: unknown): readonly StorePlugin[] {
  const list = plugins ?? [];
  if (!Array.isArray(list)) throw invalid('`plugins` must be an array, e.g. [undo(), files()]');
  const names = new Set<string>();
  for (const plugin of list) {
    if (!isPlugin(plugin)) throw invalid('each of `plugins` must be a store plugin made by its factory (undo() from trellis/undo, files() from trellis/files)');
    if (names.has(plugin.name)) throw invalid(`the ${plugin.name} plugin is installed twice; pass it once`);
    names.add(plugin.name);
  }
  return list as readonly StorePlugin[];
}

/** Installs `plugins` into `ctx`; returns what they add to the store. */
export function extendStore(ctx: StoreContext, plugins: readonly StorePlugin[]): object {
  return Object.assign({}, ...plugins.map((plugin) => (plugin.extendStore as (ctx: StoreContext) => object)(ctx)));
}

/** A `file` field anywhere in `def`: file fields need the files() plugin. */
export const holdsFile = (def: FieldDef): boolean =>
  def.type === 'file' ||
  (def.type === 'object' && Object.values(def.fields).some(holdsFile)) ||
  (def.type === 'list' && holdsFile(def.items)) ||
  (def.type === 'map' && holdsFile(def.values));

const invalid = (problem: string) => new TrellisError(ErrorCode.INVALID_ARGUMENT, `createStore: ${problem}.`);

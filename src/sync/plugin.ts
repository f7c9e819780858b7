/**
 * The seam between createSync and its opt-in plugins: presence
 * ('trellis/presence'), files ('trellis/files') and shared tabs
 * ('trellis/tabs'). An app pays for a plugin only when it imports it:
 * createSync knows the plugin interface (types.ts), never a plugin's code.
 *
 *   const sync = createSync(store, { url, library, getToken, plugins: [presence(), files(), sharedTabs()] });
 *   sync.presence.set({ viewing: 'list-1' }); // typed: `presence` exists because presence() is installed
 *
 * Each plugin is installed once per createSync, in this tab (`install`), after
 * shared tabs (if any) have started; `connect` runs each time this tab starts
 * a connection, and its returned function when that connection stops.
 */
import { ErrorCode, TrellisError } from '../core/index.js';
import type { InstalledPlugin, SyncConnection, SyncPlugin, SyncPluginContext, TabSharing } from './types.js';

export interface Plugins {
  /** The plugin that shares one connection among tabs, if installed. */
  readonly tabs?: TabSharing;
  install(context: SyncPluginContext): InstalledPlugins;
}

export interface InstalledPlugins {
  readonly adds: object;
  /** Runs every plugin's `connect`; returns one function that ends them all. */
  connect(connection: SyncConnection): () => void;
}

const isPlugin = (p: unknown): p is SyncPlugin =>
  typeof p === 'object' && p !== null && typeof (p as SyncPlugin).name === 'string' && typeof (p as SyncPlugin).install === 'function';

/** Checks `plugins` (INVALID_ARGUMENT, nothing started: not an array, not a plugin, or two of one name). */
export function checkPlugins(plugins: unknown): Plugins {
  const list = plugins ?? [];
  const names = new Set<string>();
  if (!Array.isArray(list)) throw invalid('`plugins` must be an array, e.g. [presence(), files(), sharedTabs()]');
  for (const plugin of list) {
    if (!isPlugin(plugin)) throw invalid('each of `plugins` must be a plugin made by its factory (presence(), files(), sharedTabs())');
    if (names.has(plugin.name)) throw invalid(`the ${plugin.name} plugin is installed twice; pass it once`);
    names.add(plugin.name);
  }
  const valid = list as readonly SyncPlugin[];
  return {
    tabs: valid.find((p) => p.tabs !== undefined)?.tabs,
    install(context) {
      const installed: InstalledPlugin<object>[] = valid.map((p) => p.install(context));
      return {
        adds: Object.assign({}, ...installed.map((p) => p.adds ?? {})) as object,
        connect(connection) {
          const stops = installed.flatMap((p) => (p.connect ? [p.connect(connection)] : []));
          return () => stops.forEach((stop) => stop());
        },
      };
    },
  };
}

const invalid = (problem: string) => new TrellisError(ErrorCode.INVALID_ARGUMENT, `createSync: ${problem}.`);

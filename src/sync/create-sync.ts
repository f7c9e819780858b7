/**
 * createSync: validates the options and plugins (nothing starts on bad
 * input), then runs one engine and connection in this tab (start-sync.ts), or
 * hands that to the shared-tabs plugin when it is installed, and adds what
 * the plugins add (`sync.presence`).
 */
import { ErrorCode, TrellisError } from '../core/index.js';
import { parseQuery } from '../protocol/index.js';
import { getStoreHost, type Store } from '../store/index.js';
import { checkPlugins, type InstalledPlugins } from './plugin.js';
import { startSync } from './start-sync.js';
import { chooseTransport } from './transport-choice.js';
import type { PluginAdds, Sync, SyncOptions, SyncPlugin } from './types.js';

/** A Sync with what its plugins `P` add (`presence` with presence()). */
export type SyncWith<P extends readonly SyncPlugin[]> = Sync & PluginAdds<P>;

function checkOptions(options: SyncOptions): void {
  const problem =
    typeof options?.url !== 'string' || !/^(wss?|https?):\/\//.test(options.url)
      ? '`url` must be the server\'s ws:// or wss:// sync URL'
      : typeof options.library !== 'string' || options.library.length === 0
        ? '`library` must be a non-empty string'
        : options.token === undefined && options.getToken === undefined
          ? 'pass `token` or `getToken`'
          : undefined;
  if (problem) throw new TrellisError(ErrorCode.INVALID_ARGUMENT, `createSync: ${problem}.`);
  // Throws INVALID_ARGUMENT for a malformed replication query, before anything starts.
  parseQuery(options.query, 'createSync: `query`');
}

/**
 * Connects a store to a sync server for one library.
 *
 *   const sync = createSync(store, { url, library: 'lib-1', token });
 *   sync.state.subscribe(({ phase, pending }) => badge(phase, pending));
 *   // phase 'join-required': ask the user, then
 *   await sync.join();
 *
 * Presence, files and shared tabs are plugins (`plugins: [presence(), files(), sharedTabs()]`).
 */
export function createSync<const P extends readonly SyncPlugin[] = readonly []>(store: Pick<Store, 'name' | 'replicaId'>, options: SyncOptions<P>): SyncWith<P> {
  checkOptions(options);
  chooseTransport(options.transport); // throws INVALID_ARGUMENT for a transport that is none of the three
  const plugins = checkPlugins(options.plugins);
  const host = getStoreHost(store);
  let installed: InstalledPlugins | undefined;
  // One lock and channel per database and library: the tabs sharing both share one replica's connection.
  const shared = plugins.tabs?.share({
    host,
    name: `trellis-sync:${store.name}:${options.library}`,
    // Never called before share() returns (a leader first records its term in the store), so `installed` is set.
    start: (fenced) => startSync(fenced, options, installed as InstalledPlugins),
  });
  installed = plugins.install({ host, options, ...(shared ? { tabs: shared.relay } : {}) });
  if (shared) return { ...shared.sync, ...installed.adds } as SyncWith<P>;
  const { acknowledged: _internal, ...sync } = startSync(host, options, installed);
  return { ...sync, ...installed.adds } as SyncWith<P>;
}

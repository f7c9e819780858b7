import { extendStoreWithFiles, type StorePlugin } from '../store/index.js';
import type { SyncPlugin } from '../sync/index.js';
import { startFileDownloads, startFileUploads } from './file-sync.js';

/**
 * File fields, as a plugin of both createStore and createSync. In
 * createStore (required by a schema with a `file` field) it keeps the bytes
 * of file fields in the store and hands out FileHandles. In createSync it
 * uploads those bytes while sync is live (the tab that holds the connection)
 * and lets every tab's handles download the bytes this replica lacks (see
 * file-sync.ts). Without it in createSync, files stay on the replica that
 * wrote them, and a handle in state `missing` refuses `url()` and `blob()`
 * with FILE_NOT_FOUND.
 *
 *   const store = await createStore({ name, schema, plugins: [files()] });
 *   createSync(store, { url, library, getToken, plugins: [files()] });
 */
export function files(): SyncPlugin<Record<never, never>> & StorePlugin<Record<never, never>> {
  return {
    name: 'files',
    extendStore: extendStoreWithFiles,
    install({ host, options }) {
      // A store opened without files() has no file fields: nothing to move.
      if (host.files === undefined) return {};
      const fileHost = host.files;
      // In every tab, and beyond sync.stop(): plain HTTP beside the socket, until the store closes.
      startFileDownloads(fileHost, options);
      return {
        connect(connection) {
          const uploads = startFileUploads({ host: connection.host, files: fileHost, endpoint: options, state: connection.state, onError: connection.report });
          return () => uploads.stop();
        },
      };
    },
  };
}

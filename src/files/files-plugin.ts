import type { SyncPlugin } from '../sync/index.js';
import { startFileDownloads, startFileUploads } from './file-sync.js';

/**
 * The files plugin for createSync: uploads the bytes of `file` fields while
 * sync is live (the tab that holds the connection) and lets every tab's
 * handles download the bytes this replica lacks (see file-sync.ts). Without
 * it, files stay on the replica that wrote them, and a handle in state
 * `missing` refuses `url()` and `blob()` with FILE_NOT_FOUND.
 *
 *   createSync(store, { url, library, getToken, plugins: [files()] });
 */
export function files(): SyncPlugin<Record<never, never>> {
  return {
    name: 'files',
    install({ host, options }) {
      // In every tab, and beyond sync.stop(): plain HTTP beside the socket, until the store closes.
      startFileDownloads(host, options);
      return {
        connect(connection) {
          const uploads = startFileUploads({ host: connection.host, endpoint: options, state: connection.state, onError: connection.report });
          return () => uploads.stop();
        },
      };
    },
  };
}

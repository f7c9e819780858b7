/**
 * 'trellis/files': the createSync plugin that moves the bytes of `file`
 * fields over HTTP beside the socket (uploads while live, downloads on a
 * handle's first `url()` or `blob()`). The store keeps files locally without
 * it. Imports sync through its index.ts (and sync/internals.ts), the store
 * through store/index.ts; nothing below imports it.
 *
 *   import { files } from 'trellis/files';
 *   const sync = createSync(store, { url, library, getToken, plugins: [files()] });
 */
export { files } from './files-plugin.js';

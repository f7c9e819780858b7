/**
 * The Worker that this repository's wrangler.toml runs (`npm run dev:cloudflare`,
 * `npx wrangler deploy`): every library's object and the router. An app's own
 * worker is these two lines, importing from 'trellis/server/cloudflare'.
 */
import { createTrellisWorker } from './worker.js';

export { TrellisLibrary } from './trellis-library.js';
export default createTrellisWorker();

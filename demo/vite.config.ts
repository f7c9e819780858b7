/**
 * The demo's Vite config. It runs the library from source (the `trellis`
 * aliases), proxies the server's dev token endpoint to the page's origin, and
 * tells the page where the sync server listens (`/demo-config.json`).
 *
 *   TRELLIS_SERVER=http://127.0.0.1:3242 npx vite --config demo/vite.config.ts
 *
 * `npm start` (scripts/start.mjs) starts the server and this together.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig, type InlineConfig, type Plugin } from 'vite';

const src = (path: string) => fileURLToPath(new URL(`../src/${path}`, import.meta.url));

export interface DemoConfigOptions {
  /** The sync server's HTTP origin, e.g. `http://127.0.0.1:3242`. */
  readonly server: string;
}

export function demoConfig(options: DemoConfigOptions): InlineConfig {
  const server = options.server.replace(/\/+$/, '');
  const syncUrl = `${server.replace(/^http/, 'ws')}/parties/trellis`;
  // DEV ONLY: /dev/token exists only on a server started without a secret (see README, "Try it").
  const proxy = { '/dev/token': { target: server, changeOrigin: true } };
  return {
    root: fileURLToPath(new URL('.', import.meta.url)),
    configFile: false,
    clearScreen: false,
    resolve: {
      alias: [
        { find: /^trellis$/, replacement: src('index.ts') },
        { find: /^trellis\/(.*)$/, replacement: src('$1/index.ts') },
      ],
    },
    plugins: [demoConfigEndpoint({ syncUrl })],
    server: { host: '127.0.0.1', port: 5173, proxy },
    preview: { host: '127.0.0.1', port: 4173, proxy },
    build: { target: 'es2022', sourcemap: true },
  };
}

/** Serves `/demo-config.json` (the sync URL) in dev and preview. */
function demoConfigEndpoint(config: { syncUrl: string }): Plugin {
  const body = JSON.stringify(config);
  type Middlewares = { use(path: string, fn: (req: unknown, res: { setHeader(k: string, v: string): void; end(b: string): void }) => void): unknown };
  const serve = (middlewares: Middlewares): void => {
    middlewares.use('/demo-config.json', (_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.setHeader('cache-control', 'no-store');
      res.end(body);
    });
  };
  // Hooks return nothing: a function returned from configureServer would run as a post hook.
  return {
    name: 'trellis-demo-config',
    configureServer(server) {
      serve(server.middlewares);
    },
    configurePreviewServer(server) {
      serve(server.middlewares);
    },
  };
}

export default defineConfig(demoConfig({ server: process.env.TRELLIS_SERVER ?? 'http://127.0.0.1:3242' }));

/**
 * A test page of its own (a folder with index.html and main.ts) built by Vite with `trellis` and
 * `trellis/*` resolved to src/, as the tests import them, and served on 127.0.0.1.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, preview, type InlineConfig, type PluginOption, type PreviewServer } from 'vite';

const src = (path: string) => fileURLToPath(new URL(`../../../src/${path}`, import.meta.url));

/**
 * Builds the page in `root` into `outDir` and serves it; close the returned server when done.
 * `plugins`: Vite plugins the page's framework needs (Svelte's compiler).
 */
export async function serveTestPage(o: { root: URL; outDir: string; plugins?: PluginOption[] }): Promise<PreviewServer> {
  const config: InlineConfig = {
    root: fileURLToPath(o.root),
    configFile: false,
    logLevel: 'silent',
    plugins: o.plugins ?? [],
    resolve: {
      alias: [
        { find: /^trellis$/, replacement: src('index.ts') },
        { find: /^trellis\/(.*)$/, replacement: src('$1/index.ts') },
      ],
    },
    build: { outDir: join(o.outDir, 'page'), emptyOutDir: true, target: 'es2022', sourcemap: false },
    preview: { host: '127.0.0.1', port: 0, strictPort: false },
  };
  await build(config);
  return preview(config);
}

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

/** Public entry points: one folder's index.ts each (see STYLE.md, "Public API"). */
const entries: Record<string, string> = {
  index: src('index.ts'),
  sync: src('sync/index.ts'),
  presence: src('presence/index.ts'),
  files: src('files/index.ts'),
  undo: src('undo/index.ts'),
  tabs: src('tabs/index.ts'),
  react: src('react/index.ts'),
  vue: src('vue/index.ts'),
  devtools: src('devtools/index.ts'),
  protocol: src('protocol/index.ts'),
  server: src('server/index.ts'),
  'server-node': src('server/node/index.ts'),
  'server-cloudflare': src('server/cloudflare/index.ts'),
  testing: src('testing/index.ts'),
  // The `trellis-server` bin (package.json "bin"); gets the shebang below.
  cli: src('server/node/cli.ts'),
};

/** Entry chunks that are executables. */
const executables = new Set(['cli']);

export default defineConfig({
  resolve: {
    // Tests of public behaviour import 'trellis', 'trellis/sync', ... exactly as users do.
    alias: [
      { find: /^trellis$/, replacement: src('index.ts') },
      { find: /^trellis\/(.*)$/, replacement: src('$1/index.ts') },
    ],
  },
  build: {
    target: 'es2022',
    sourcemap: true,
    minify: false,
    lib: { entry: entries, formats: ['es'] },
    rollupOptions: {
      external: (id) => !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('\0'),
      output: { banner: (chunk) => (chunk.isEntry && executables.has(chunk.name) ? '#!/usr/bin/env node' : '') },
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});

/**
 * Builds the bench page (bench/client) for real Chromium: `trellis` resolves to
 * src/ exactly as in the root config. Unminified and one file per module, so
 * CPU profiles name Trellis and Dexie functions by their source file.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here('./client'),
  base: './',
  logLevel: 'warn',
  resolve: {
    alias: [
      { find: /^trellis$/, replacement: here('../src/index.ts') },
      { find: /^trellis\/(.*)$/, replacement: here('../src/$1/index.ts') },
    ],
  },
  build: {
    outDir: here('./.build/client'),
    emptyOutDir: true,
    target: 'es2022',
    minify: false,
    sourcemap: true,
    modulePreload: false,
    rollupOptions: {
      output: { preserveModules: true, preserveModulesRoot: here('..'), entryFileNames: '[name].js' },
    },
  },
});

/**
 * mountDevtools outside a browser, and what apps that never import devtools
 * ship: the 'trellis' and 'trellis/sync' builds contain no module of
 * devtools/ or the store inspector. (The panel itself is tested in real
 * Chromium: test/e2e/devtools.test.ts.)
 */
import { fileURLToPath } from 'node:url';
import { build, type Rolldown } from 'vite';
import { describe, expect, it } from 'vitest';
import { mountDevtools } from 'trellis/devtools';
import { openTestStore } from '../../helpers/open-test-store.js';

const src = (path: string) => fileURLToPath(new URL(`../../../src/${path}`, import.meta.url));

async function bundledModules(entry: string): Promise<string[]> {
  const output = (await build({
    configFile: false,
    logLevel: 'silent',
    build: { write: false, minify: false, target: 'es2022', lib: { entry: { e: src(entry) }, formats: ['es'] }, rollupOptions: { external: (id) => !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('\0') } },
  })) as Rolldown.RolldownOutput | Rolldown.RolldownOutput[];
  return (Array.isArray(output) ? output : [output]).flatMap((o) => o.output).flatMap((chunk) => (chunk.type === 'chunk' ? chunk.moduleIds : []));
}

describe('mountDevtools', () => {
  it('refuses to mount without a DOM element, touching nothing', async () => {
    const store = await openTestStore();
    expect(() => mountDevtools({} as Element, { store })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    await store.close();
  });

  it.each(['index.ts', 'sync/index.ts'])('is not in the build of %s (apps that do not import it ship none of it)', async (entry) => {
    const modules = await bundledModules(entry);
    expect(modules.some((id) => id.includes('/src/store/'))).toBe(true);
    expect(modules.filter((id) => /\/src\/devtools\/|\/src\/store\/inspect[.]ts$/.test(id))).toEqual([]);
  }, 60_000);
});

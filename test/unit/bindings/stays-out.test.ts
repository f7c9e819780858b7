/**
 * React, Vue and Svelte stay out of 'trellis' and 'trellis/sync': only the
 * binding's own folder imports its framework, nothing outside the bindings
 * imports them, and the shared bindings/ imports no framework. (The import
 * lint says the same for src/ paths; this also covers the packages.)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));

/** Every .ts file of src/ with its path relative to src/ and the modules it imports or re-exports. */
function sources(): { path: string; imports: string[] }[] {
  const files: { path: string; imports: string[] }[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (path.endsWith('.ts')) {
        const text = readFileSync(path, 'utf8');
        const imports = [...text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1] as string);
        files.push({ path: relative(SRC, path), imports });
      }
    }
  };
  walk(SRC);
  return files;
}

/** The package and folders of each binding; Svelte has no folder (its stores are the Observables). */
const FRAMEWORKS = [
  { name: 'react', packages: /^(react|react-dom)(\/|$)/, folder: 'react/' },
  { name: 'vue', packages: /^(vue|@vue\/[^/]+)(\/|$)/, folder: 'vue/' },
  { name: 'svelte', packages: /^svelte(\/|$)/, folder: undefined },
] as const;

describe('the framework bindings stay out of the other entries', () => {
  it('finds the sources it checks (the walk and the import pattern work)', () => {
    const files = sources();
    expect(files.find((f) => f.path === join('react', 'use-query.ts'))?.imports).toContain('react');
    expect(files.find((f) => f.path === join('vue', 'live-ref.ts'))?.imports).toContain('vue');
  });

  it.each(FRAMEWORKS)('no file of src/ outside its binding imports $name', ({ packages, folder }) => {
    const offenders = sources()
      .filter((f) => folder === undefined || !f.path.startsWith(folder))
      .flatMap((f) => f.imports.filter((i) => packages.test(i)).map((i) => `${f.path} imports ${i}`));
    expect(offenders).toEqual([]);
  });

  it('nothing outside react/, vue/ (and testing/, the top) imports a binding or the shared bindings/', () => {
    const offenders = sources()
      .filter((f) => !/^(react|vue|bindings|testing)\//.test(f.path))
      .flatMap((f) => f.imports.filter((i) => /(^|\/)(react|vue|bindings)\//.test(i) && i.startsWith('.')).map((i) => `${f.path} imports ${i}`));
    expect(offenders).toEqual([]);
  });
});

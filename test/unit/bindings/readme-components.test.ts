/**
 * The README's ```vue and ```svelte blocks compile with the frameworks' own
 * compilers (the ```ts blocks are type-checked by readme-types.test.ts; these
 * are components, so their script and template are compiled instead), and
 * use only names the bindings export.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compile } from 'svelte/compiler';
import { compileScript, compileTemplate, parse } from 'vue/compiler-sfc';
import { describe, expect, it } from 'vitest';
import * as vueBinding from 'trellis/vue';

const README = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
const blocks = (lang: string) => [...README.matchAll(new RegExp(`^\`\`\`${lang}\\n([\\s\\S]*?)^\`\`\``, 'gm'))].map((m) => m[1] as string);

describe('README component examples', () => {
  it('has a Vue and a Svelte example', () => {
    expect(blocks('vue')).toHaveLength(1);
    expect(blocks('svelte')).toHaveLength(1);
  });

  it.each(blocks('vue'))('the Vue single-file component compiles, importing only what trellis/vue exports', (source) => {
    const { descriptor, errors } = parse(source, { filename: 'Todos.vue' });
    expect(errors).toEqual([]);
    const script = compileScript(descriptor, { id: 'readme', inlineTemplate: true });
    expect(script.content).toContain('useJoinLibrary');
    const template = compileTemplate({ source: descriptor.template?.content ?? '', filename: 'Todos.vue', id: 'readme', compilerOptions: { isTS: true } });
    expect(template.errors).toEqual([]);
    const imported = [...source.matchAll(/import \{([^}]*)\} from 'trellis\/vue'/g)].flatMap((m) => (m[1] as string).split(',').map((n) => n.trim()));
    expect(imported.filter((name) => !(name in vueBinding))).toEqual([]);
  });

  it.each(blocks('svelte'))('the Svelte component compiles (Svelte 5), with the Observables read as $stores', (source) => {
    const { js, warnings } = compile(source, { filename: 'Todos.svelte', generate: 'client' });
    expect(warnings.map((w) => w.message)).toEqual([]);
    // `$list` and `$syncState` are store subscriptions in the compiled component.
    expect(js.code).toMatch(/store_get\(.*list/);
    expect(js.code).toMatch(/store_get\(.*syncState/);
  });
});

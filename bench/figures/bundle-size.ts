import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Rolldown } from 'vite';
import type { Figure, FigureRow } from '../harness/types.js';

/** Client entry points, by their key in package.json "exports"; each maps to one folder's index.ts (STYLE.md). */
const CLIENT_EXPORTS = ['.', './sync', './presence', './files', './tabs', './undo'];
/** The app's own dependencies: an app that uses Trellis has them anyway. */
const EXTERNAL = /^(dexie|rxjs)(\/|$)/;
/** The typical app: imports defineSchema, createStore and createSync; uses put, update, find, get, state and join. */
const TYPICAL_APP = 'bench/typical-app/main.ts';

function specifier(key: string): string {
  return key === '.' ? 'trellis' : `trellis/${key.slice(2)}`;
}

function source(root: string, key: string): string {
  return key === '.' ? join(root, 'src/index.ts') : join(root, 'src', key.slice(2), 'index.ts');
}

interface Measured {
  /** Gzip -9 of every output file, summed. */
  readonly gzipped: number;
  readonly minified: number;
  /** Bytes (gzipped) of chunks loaded only by a dynamic import; included in `gzipped`. */
  readonly lazy: number;
  readonly inlined: readonly string[];
}

type BuildOptions = NonNullable<Parameters<typeof build>[0]>['build'];

/** Builds with Vite (production: minified), nothing written; sums gzip -9 of the output chunks. */
async function measure(root: string, o: { build: BuildOptions; external: boolean }): Promise<Measured> {
  const output = (await build({
    configFile: false,
    root,
    logLevel: 'silent',
    // 'trellis' and 'trellis/*' resolve to src/, as an app's bundler resolves them to the package's dist/.
    resolve: { alias: [{ find: /^trellis$/, replacement: source(root, '.') }, { find: /^trellis\/(.*)$/, replacement: join(root, 'src/$1/index.ts') }] },
    build: {
      write: false,
      minify: true,
      target: 'es2022',
      ...o.build,
      rollupOptions: { ...o.build?.rollupOptions, ...(o.external ? { external: (id: string) => EXTERNAL.test(id) } : {}) },
    },
  })) as Rolldown.RolldownOutput | Rolldown.RolldownOutput[];
  const chunks = (Array.isArray(output) ? output : [output]).flatMap((out) => out.output).filter((c) => c.type === 'chunk');
  const inlined = new Set<string>();
  for (const chunk of chunks) {
    for (const id of chunk.moduleIds) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(id);
      if (match) inlined.add(match[1] as string);
    }
  }
  const gzip = (code: string) => gzipSync(code, { level: 9 }).length;
  return {
    gzipped: chunks.reduce((sum, c) => sum + gzip(c.code), 0),
    minified: chunks.reduce((sum, c) => sum + Buffer.byteLength(c.code), 0),
    lazy: chunks.filter((c) => c.isDynamicEntry && !c.isEntry).reduce((sum, c) => sum + gzip(c.code), 0),
    inlined: [...inlined].sort(),
  };
}

function row(figure: string, m: Measured, o: { budget?: number; what: string }): FigureRow {
  const kB = m.gzipped / 1000;
  const lazy = m.lazy > 0 ? `, of which ${m.lazy} B in chunks loaded on demand` : '';
  return {
    figure,
    unit: 'kB',
    better: 'lower',
    subject: { n: 1, median: kB, p95: kB, p99: kB },
    // Informative rows have no rule.
    budget: o.budget === undefined ? {} : { maxMedian: o.budget },
    notes: `${o.what}; ${m.gzipped} B gzipped (level 9)${lazy}, ${m.minified} B minified; 1 kB = 1000 B; inlined packages: ${m.inlined.join(', ') || 'none'}`,
  };
}

/**
 * What a browser downloads for Trellis. The budgeted row is a typical app
 * (bench/typical-app/main.ts) built as an app is, by Vite in production mode,
 * with dexie and rxjs external (the app has them anyway); the same app with
 * them bundled, and the full client entries as libraries, are informative.
 */
export const bundleSize: Figure = {
  name: 'bundle-size',
  title: 'client bundle, min+gzip: a typical app (dexie and rxjs excluded), and the full client entries',
  async run(ctx) {
    const appBuild: BuildOptions = { rollupOptions: { input: join(ctx.root, TYPICAL_APP), preserveEntrySignatures: 'exports-only' } };
    const rows: FigureRow[] = [];
    const what = `${TYPICAL_APP} (Vite production build: createStore, createSync; put, update, find, get, state, join)`;
    rows.push(row('bundle typical app', await measure(ctx.root, { build: appBuild, external: true }), { budget: 24, what: `${what}, dexie and rxjs external` }));
    rows.push(row('bundle typical app with dexie and rxjs', await measure(ctx.root, { build: appBuild, external: false }), { what: `${what}, dexie and rxjs bundled` }));

    const pkg = JSON.parse(await readFile(join(ctx.root, 'package.json'), 'utf8')) as { exports?: Record<string, unknown> };
    const keys = CLIENT_EXPORTS.filter((key) => Object.hasOwn(pkg.exports ?? {}, key));
    const sets: [string, string[]][] = [['trellis + trellis/sync', ['.', './sync']], [keys.map(specifier).join(' + '), keys]];
    for (const [label, set] of sets) {
      const entries = Object.fromEntries(set.map((key) => [specifier(key).replace('/', '-'), source(ctx.root, key)]));
      const m = await measure(ctx.root, { build: { lib: { entry: entries, formats: ['es'] } }, external: true });
      rows.push(row(`bundle ${label} (full entries)`, m, { what: 'every export of these entries, built together as a library, dexie and rxjs external' }));
    }
    return rows;
  },
};

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Rolldown } from 'vite';
import type { Figure, FigureRow } from '../harness/types.js';

/** Client entry points, by their key in package.json "exports"; each maps to one folder's index.ts (STYLE.md). */
const CLIENT_EXPORTS = ['.', './sync'];
const EXTERNAL = /^(dexie|rxjs)(\/|$)/;

function specifier(key: string): string {
  return key === '.' ? 'trellis' : `trellis/${key.slice(2)}`;
}

function source(root: string, key: string): string {
  return key === '.' ? join(root, 'src/index.ts') : join(root, 'src', key.slice(2), 'index.ts');
}

/** Minified ES bundle of `entries` (dexie and rxjs external); gzip -9 of each output file, summed. */
async function measure(root: string, entries: Record<string, string>) {
  const output = (await build({
    configFile: false,
    root,
    logLevel: 'silent',
    build: {
      write: false,
      minify: true,
      target: 'es2022',
      lib: { entry: entries, formats: ['es'] },
      rollupOptions: { external: (id) => EXTERNAL.test(id) },
    },
  })) as Rolldown.RolldownOutput | Rolldown.RolldownOutput[];
  const chunks = (Array.isArray(output) ? output : [output]).flatMap((o) => o.output).filter((c) => c.type === 'chunk');
  const inlined = new Set<string>();
  for (const chunk of chunks) {
    for (const id of chunk.moduleIds) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(id);
      if (match) inlined.add(match[1] as string);
    }
  }
  const minified = chunks.reduce((sum, c) => sum + Buffer.byteLength(c.code), 0);
  const gzipped = chunks.reduce((sum, c) => sum + gzipSync(c.code, { level: 9 }).length, 0);
  return { minified, gzipped, inlined: [...inlined].sort() };
}

/** Bytes a browser downloads for each client entry (and for all of them together), excluding dexie and rxjs. */
export const bundleSize: Figure = {
  name: 'bundle-size',
  title: 'client bundle, min+gzip, excluding dexie and rxjs',
  async run(ctx) {
    const pkg = JSON.parse(await readFile(join(ctx.root, 'package.json'), 'utf8')) as { exports?: Record<string, unknown> };
    const keys = CLIENT_EXPORTS.filter((key) => Object.hasOwn(pkg.exports ?? {}, key));
    const sets: [string, string[]][] = keys.map((key) => [specifier(key), [key]]);
    if (keys.length > 1) sets.push([keys.map(specifier).join(' + '), keys]);
    const rows: FigureRow[] = [];
    for (const [label, set] of sets) {
      const entries = Object.fromEntries(set.map((key) => [specifier(key).replace('/', '-'), source(ctx.root, key)]));
      const { minified, gzipped, inlined } = await measure(ctx.root, entries);
      rows.push({
        figure: `bundle ${label}`,
        unit: 'kB',
        better: 'lower',
        subject: { n: 1, median: gzipped / 1000, p95: gzipped / 1000, p99: gzipped / 1000 },
        budget: { maxMedian: 20 },
        notes: `${gzipped} B gzipped (level 9), ${minified} B minified; 1 kB = 1000 B; inlined packages: ${inlined.join(', ') || 'none'}`,
      });
    }
    return rows;
  },
};

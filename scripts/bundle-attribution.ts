/**
 * Where the typical app's bytes come from: builds bench/typical-app/main.ts as
 * the `bundle-size` figure does (Vite production, dexie and rxjs external),
 * with source maps, and attributes each output byte to the source module its
 * mapping names. A module's gzip share is its minified bytes times its chunk's
 * gzip/minified ratio (gzip has no per-byte owner; the proportional share sums
 * to the chunk's real gzip size).
 *
 *   npx tsx scripts/bundle-attribution.ts [--top 60] [--json out.json] [--by folder]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { SourceMapConsumer } from 'source-map-js';
import { build, type Rolldown } from 'vite';

const root = join(import.meta.dirname, '..');
const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const at = args.indexOf(name);
  return at < 0 ? undefined : args[at + 1];
};

/** Bytes of minified code per source, for one chunk. */
function attribute(code: string, map: Rolldown.SourceMap): Map<string, number> {
  const lineStarts = [0];
  for (let i = 0; i < code.length; i++) if (code[i] === '\n') lineStarts.push(i + 1);
  const marks: { at: number; source: string }[] = [];
  new SourceMapConsumer(map as never).eachMapping((m) => {
    const at = (lineStarts[m.generatedLine - 1] ?? 0) + m.generatedColumn;
    marks.push({ at, source: m.source ?? '(unmapped)' });
  });
  marks.sort((a, b) => a.at - b.at);
  const bytes = new Map<string, number>();
  const add = (source: string, n: number) => bytes.set(source, (bytes.get(source) ?? 0) + n);
  add('(unmapped)', marks[0]?.at ?? code.length);
  marks.forEach((mark, i) => {
    const end = marks[i + 1]?.at ?? code.length;
    add(mark.source, Buffer.byteLength(code.slice(mark.at, end)));
  });
  return bytes;
}

function label(source: string): string {
  const path = source.replace(/^(\.\.\/)+/, '');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (pkg) return `npm:${pkg[1]}`;
  if (flag('--by') === 'folder') return path.split('/').slice(0, 2).join('/');
  return path;
}

const output = (await build({
  configFile: false,
  root,
  logLevel: 'silent',
  resolve: { alias: [{ find: /^trellis$/, replacement: join(root, 'src/index.ts') }, { find: /^trellis\/(.*)$/, replacement: join(root, 'src/$1/index.ts') }] },
  build: {
    write: false,
    minify: true,
    target: 'es2022',
    sourcemap: true,
    rollupOptions: { input: join(root, 'bench/typical-app/main.ts'), preserveEntrySignatures: 'exports-only', external: (id: string) => /^(dexie|rxjs)(\/|$)/.test(id) },
  },
})) as Rolldown.RolldownOutput;

const rows = new Map<string, { min: number; gz: number }>();
let total = { min: 0, gz: 0 };
for (const chunk of output.output) {
  if (chunk.type !== 'chunk' || !chunk.map) continue;
  const min = Buffer.byteLength(chunk.code);
  const gz = gzipSync(chunk.code, { level: 9 }).length;
  total = { min: total.min + min, gz: total.gz + gz };
  console.error(`chunk ${chunk.fileName}${chunk.isDynamicEntry ? ' (lazy)' : ''}: ${min} B min, ${gz} B gzip`);
  for (const [source, bytes] of attribute(chunk.code, chunk.map)) {
    const key = label(source);
    const row = rows.get(key) ?? { min: 0, gz: 0 };
    rows.set(key, { min: row.min + bytes, gz: row.gz + (bytes * gz) / min });
  }
}
const sorted = [...rows].sort((a, b) => b[1].gz - a[1].gz);
const top = Number(flag('--top') ?? 80);
console.log(`| module | min B | gzip B (share) |\n| --- | ---: | ---: |`);
for (const [key, row] of sorted.slice(0, top)) console.log(`| ${key} | ${row.min} | ${Math.round(row.gz)} |`);
console.log(`| total (${rows.size} modules) | ${total.min} | ${total.gz} |`);
const out = flag('--json');
if (out) writeFileSync(out, JSON.stringify(Object.fromEntries(sorted.map(([k, r]) => [k, { min: r.min, gz: Math.round(r.gz) }])), null, 1));

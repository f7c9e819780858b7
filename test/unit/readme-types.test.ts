/**
 * Every ```ts block of README.md type-checks under `strict`, as a user's app
 * would compile it: each block is its own module (so blocks may reuse names),
 * 'trellis', 'trellis/sync', ... map to src/, and the names a block takes from
 * the text around it (the Quickstart's `store`, a `getToken`, ...) come from a
 * declared prelude. Worker code (blocks that use 'trellis/server/cloudflare')
 * compiles with the Workers types instead of the DOM's.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIR = join(ROOT, 'test', '.tmp', `readme-types-${process.pid}`);

/** The names README blocks use from their surrounding text, for browser code. */
const BROWSER_PRELUDE = `import type { Store } from 'trellis';
import type { Sync } from 'trellis/sync';
declare global {
  /** The Quickstart's store. */
  const store: Store;
  const sync: Sync;
  /** Your backend's token endpoint. */
  function getToken(): Promise<string>;
  function showJoinDialog(reason: string, atRisk: number): void;
  function render(lines: string[]): void;
  const x: number;
  const y: number;
  const file: File;
  const otherFile: File;
  const img: HTMLImageElement;
}
`;

/** A ts block: its text with the list indentation removed, and where it starts. */
function extractTsBlocks(markdown: string): { line: number; code: string }[] {
  const blocks: { line: number; code: string }[] = [];
  const fence = /^( *)```ts\n([\s\S]*?)^\1```$/gm;
  for (let m = fence.exec(markdown); m !== null; m = fence.exec(markdown)) {
    const indent = m[1]!.length;
    const code = m[2]!
      .split('\n')
      .map((l) => l.slice(Math.min(indent, l.length - l.trimStart().length)))
      .join('\n');
    blocks.push({ line: markdown.slice(0, m.index).split('\n').length, code });
  }
  return blocks;
}

function tsconfig(options: { files: string[]; worker: boolean }): object {
  const src = (path: string) => join(ROOT, 'src', path);
  return {
    compilerOptions: {
      target: 'ES2022',
      module: 'ESNext',
      moduleResolution: 'Bundler',
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      lib: options.worker ? ['ES2022'] : ['ES2022', 'DOM', 'DOM.Iterable'],
      types: options.worker ? ['@cloudflare/workers-types'] : [],
      paths: { trellis: [src('index.ts')], 'trellis/*': [src('*/index.ts')] },
    },
    files: options.files,
  };
}

/** Type-checks the blocks as one program; returns tsc's diagnostics ('' when clean). */
function check(blocks: { line: number; code: string }[], worker: boolean): string {
  const dir = join(DIR, worker ? 'worker' : 'browser');
  mkdirSync(dir, { recursive: true });
  const files = blocks.map(({ line, code }) => {
    const file = join(dir, `readme-line-${line}.ts`);
    // `export {}` makes a block without imports a module too, so blocks never share a scope.
    writeFileSync(file, `${code}\nexport {};\n`);
    return file;
  });
  if (!worker) {
    writeFileSync(join(dir, 'prelude.d.ts'), BROWSER_PRELUDE);
    files.push(join(dir, 'prelude.d.ts'));
  }
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig({ files, worker })));
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { encoding: 'utf8' });
  // Only the README's own lines are judged here: src/ is checked by the project's tsc under its own
  // settings (this program's `types: []` flags src's guarded use of Node's setImmediate, for one).
  const diagnostics = `${result.stdout}${result.stderr}`.split(/\n(?=\S)/);
  return diagnostics.filter((d) => d.trim() !== '' && !d.startsWith('src/')).join('\n');
}

afterAll(() => rmSync(DIR, { recursive: true, force: true }));

it('every ts block of the README type-checks under strict', () => {
  const blocks = extractTsBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'));
  expect(blocks.length).toBeGreaterThanOrEqual(7);
  const isWorker = (code: string) => code.includes('trellis/server/cloudflare');
  expect(check(blocks.filter((b) => !isWorker(b.code)), false)).toBe('');
  expect(check(blocks.filter((b) => isWorker(b.code)), true)).toBe('');
}, 120_000);

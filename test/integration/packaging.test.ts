/**
 * The package as a user gets it: `npm pack` run in a fresh copy of the tree
 * (the files git tracks or would track, no dist/, no build run beforehand),
 * the tarball unpacked into a temp app's node_modules, imported by a plain
 * Node script and its bin run with plain `node`.
 *
 * Why not `npm install <tarball>`: this machine has no registry access and
 * its npm cache holds no metadata for the runtime dependencies, so
 * `npm install --offline` fails with ENOTCACHED before it looks at the
 * tarball. Instead the tarball is unpacked as npm would unpack it, and each
 * of its `dependencies` is linked from this repo's node_modules. The optional
 * peers (`ws`, `better-sqlite3`) are left out, as npm leaves them out.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface PackageJson {
  readonly dependencies: Record<string, string>;
  readonly exports: Record<string, { readonly types: string; readonly import: string }>;
  readonly bin: Record<string, string>;
}

interface Packed {
  readonly files: readonly string[];
  /** The unpacked package, as node_modules/trellis of `app`. */
  readonly installed: string;
  /** A temp project outside this repo: no node_modules above it resolve `ws` or `better-sqlite3`. */
  readonly app: string;
}

let work: string;
let packed: Packed;

/** Copies the files a fresh clone would hold (tracked or untracked, not ignored) into `dir`. */
function copyTree(dir: string): void {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' });
  for (const path of listed.split('\0')) {
    // --cached also lists tracked files deleted in the work tree.
    if (path === '' || !existsSync(join(ROOT, path))) continue;
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    copyFileSync(join(ROOT, path), join(dir, path));
  }
  // The build's tools (vite, tsc) come from this repo's install.
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
}

function pack(): Packed {
  const clone = join(work, 'clone');
  const out = join(work, 'out');
  mkdirSync(out);
  copyTree(clone);
  expect(existsSync(join(clone, 'dist'))).toBe(false);
  // The build's output shares npm's stdout, so the tarball is found on disk rather than in `--json`.
  execFileSync('npm', ['pack', '--pack-destination', out], { cwd: clone, stdio: ['ignore', 'pipe', 'pipe'] });
  const [tarball] = readdirSync(out);
  expect(tarball).toMatch(/^trellis-.+\.tgz$/);
  const tgz = join(out, tarball!);
  const files = execFileSync('tar', ['-tzf', tgz], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.replace(/^package\//, ''));
  const app = join(work, 'app');
  const installed = join(app, 'node_modules', 'trellis');
  mkdirSync(installed, { recursive: true });
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  execFileSync('tar', ['-xzf', tgz, '-C', installed, '--strip-components=1']);
  const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as PackageJson;
  for (const name of Object.keys(manifest.dependencies)) {
    mkdirSync(dirname(join(app, 'node_modules', name)), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', name), join(app, 'node_modules', name), 'dir');
  }
  return { files, installed, app };
}

function manifest(): PackageJson {
  return JSON.parse(readFileSync(join(packed.installed, 'package.json'), 'utf8')) as PackageJson;
}

/** Runs an ES module script inside the temp app; returns exit code and output. */
function runInApp(args: readonly string[], script?: string): { code: number | null; stdout: string; stderr: string } {
  if (script !== undefined) writeFileSync(join(packed.app, 'check.mjs'), script);
  const result = spawnSync(process.execPath, script !== undefined ? ['check.mjs', ...args] : args, {
    cwd: packed.app,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '' },
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(() => {
  // Outside the repo, so nothing above the temp app resolves this repo's node_modules.
  work = mkdtempSync(join(tmpdir(), 'trellis-pack-'));
  packed = pack();
}, 180_000);

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe('npm pack of a fresh tree', () => {
  test('ships the built entries, their types and the CLI', () => {
    for (const file of ['dist/index.js', 'dist/sync.js', 'dist/cli.js', 'dist/types/index.d.ts', 'dist/types/sync/index.d.ts']) {
      expect(packed.files).toContain(file);
    }
  });

  test('every exports target and the bin are in the tarball', () => {
    const { exports, bin } = manifest();
    const targets = [...Object.values(exports).flatMap((e) => [e.types, e.import]), ...Object.values(bin)];
    expect(targets.length).toBeGreaterThan(10);
    for (const target of targets) expect(packed.files).toContain(target.replace(/^\.\//, ''));
  });

  test("a Node script in the installing app imports 'trellis', 'trellis/sync', the plugins' entries and 'trellis/undo', and defines a schema", () => {
    const result = runInApp(
      [],
      [
        "import { defineSchema, createStore, isTrellisError } from 'trellis';",
        "import { createSync } from 'trellis/sync';",
        "import { presence } from 'trellis/presence';",
        "import { files } from 'trellis/files';",
        "import { sharedTabs } from 'trellis/tabs';",
        "import { undo } from 'trellis/undo';",
        "const schema = defineSchema({ version: 1, collections: { todos: { primaryKey: 'id', fields: { id: { type: 'string' } } } } });",
        'const plugins = [presence(), files(), sharedTabs(), undo()].map((plugin) => plugin.name);',
        'console.log(JSON.stringify([typeof createStore, typeof createSync, typeof isTrellisError, schema.collectionNames, plugins]));',
      ].join('\n'),
    );
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual(['function', 'function', 'function', ['todos'], ['presence', 'files', 'tabs', 'undo']]);
  });
});

describe('trellis-server from the unpacked package, without its optional peers', () => {
  test('exits 1 with one line that says to npm install ws better-sqlite3, and no stack trace', () => {
    expect(existsSync(join(packed.app, 'node_modules', 'ws'))).toBe(false);
    const result = runInApp([join(packed.installed, manifest().bin['trellis-server']!), '--port', '0']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'trellis-server: the server needs the packages ws and better-sqlite3; install them beside trellis: npm install ws better-sqlite3\n',
    );
  });

  test('--help still prints the usage without them', () => {
    const result = runInApp([join(packed.installed, manifest().bin['trellis-server']!), '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: trellis-server');
  });
});

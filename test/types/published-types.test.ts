/**
 * The published types of every client entry compile in an app that checks
 * libraries (`skipLibCheck: false`) and has no Node, Workers or ws types: the
 * declarations are emitted as `npm run build` emits them (tsconfig.build.json,
 * into a temp folder), and a consumer importing every client entry through
 * package.json `exports` is compiled under `strict` with `types: []`.
 * So do the runtime-free 'trellis/server' and 'trellis/testing'. The server
 * adapters need Node or Workers types; README's Install section says which.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIR = join(ROOT, 'test', '.tmp', `published-types-${process.pid}`);
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/**
 * Entries whose types need no runtime's types, by their key in package.json "exports": what an app runs
 * in the browser, and the runtime-free server core and test helpers.
 */
const CLIENT = ['.', './sync', './presence', './files', './tabs', './undo', './react', './vue', './devtools', './protocol', './server', './testing'];
/** The server adapters need their runtime's types (README, Install). */
const NOT_CLIENT = ['./server/node', './server/cloudflare'];

/** What a consumer does with each entry: import everything it exports, and use a little of it. */
const USES: Record<string, string> = {
  '.': `import * as trellis from 'trellis';
const schema = trellis.defineSchema({ version: 1, collections: { todos: { primaryKey: 'id', fields: { id: { type: 'string' }, done: { type: 'boolean', default: false } } } } });
export type Todo = trellis.DocOf<typeof schema, 'todos'>;
export const store: Promise<trellis.Store<typeof schema.definition>> = trellis.createStore({ name: 'app', schema });`,
  './undo': `import { createStore as openStore, defineSchema as define } from 'trellis';
import { undo } from 'trellis/undo';
import { files as fileFields } from 'trellis/files';
const photoSchema = define({ version: 1, collections: { photos: { primaryKey: 'id', fields: { id: { type: 'string' }, image: { type: 'file' } } } } });
export const canUndo = async () => {
  const store = await openStore({ name: 'photos', schema: photoSchema, plugins: [undo(), fileFields()] });
  await store.undo();
  return store.undoState;
};`,
  './sync': `import * as sync from 'trellis/sync';
import { presence } from 'trellis/presence';
import { files } from 'trellis/files';
import { sharedTabs } from 'trellis/tabs';
export const connect = (store: Parameters<typeof sync.createSync>[0]) => {
  const s = sync.createSync(store, { url: 'wss://x', library: 'l', token: 't', plugins: [presence(), files(), sharedTabs()] });
  s.presence.set({ viewing: 'home' });
  return s.state;
};`,
};

const run = (args: string[]) => spawnSync(process.execPath, [TSC, ...args], { cwd: ROOT, encoding: 'utf8' });

afterAll(() => rmSync(DIR, { recursive: true, force: true }));

it('the declarations of every client entry (and the server core) compile with skipLibCheck false and no Node, Workers or ws types', () => {
  const exportsMap = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, { types: string }> }).exports;
  // A new entry must be sorted into one list or the other.
  expect(Object.keys(exportsMap).filter((key) => !CLIENT.includes(key) && !NOT_CLIENT.includes(key))).toEqual([]);
  const client = CLIENT.filter((key) => Object.hasOwn(exportsMap, key));

  // The package as an app installs it: package.json, and the declarations `npm run build` emits.
  const pkg = join(DIR, 'node_modules', 'trellis');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'trellis', type: 'module', exports: exportsMap }));
  const emitted = run(['-p', 'tsconfig.build.json', '--outDir', join(pkg, 'dist', 'types')]);
  // Declaration emit problems (TS4xxx: a public type that cannot be named) fail here; type errors in src/ are
  // `npm run typecheck`'s to report (the declarations are emitted regardless, as the build does).
  expect(`${emitted.stdout}${emitted.stderr}`.split('\n').filter((line) => /error TS4\d{3}/.test(line))).toEqual([]);
  // The declarations' own imports (rxjs, dexie, valibot, react, vue) resolve from the repository's node_modules, up the tree.

  const consumer = client.map((key) => USES[key] ?? `export * as e${client.indexOf(key)} from '${key === '.' ? 'trellis' : `trellis/${key.slice(2)}`}';`);
  writeFileSync(join(DIR, 'app.ts'), consumer.join('\n'));
  // The app's own package.json: without it the repository's (name "trellis") is the app's package scope, and
  // 'trellis' resolves to the repository's own build by self-reference instead of the installed copy above.
  writeFileSync(join(DIR, 'package.json'), JSON.stringify({ name: 'published-types-app', private: true, type: 'module' }));
  writeFileSync(
    join(DIR, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'ESNext',
        moduleResolution: 'Bundler',
        lib: ['ES2022', 'DOM', 'DOM.Iterable'],
        types: [],
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        // A React app's types: the JSX runtime is the app's business, not ours.
        jsx: 'react-jsx',
      },
      files: ['app.ts'],
    }),
  );
  const checked = run(['-p', join(DIR, 'tsconfig.json'), '--listFiles']);
  const files = checked.stdout.split('\n').filter((line) => line.startsWith('/'));
  const errors = checked.stdout.split('\n').filter((line) => !line.startsWith('/') && line.trim() !== '');
  expect(errors.join('\n') + checked.stderr).toBe('');
  // Every client entry was compiled, and no runtime's types came in by a reference.
  for (const key of client) expect(files.some((f) => f.includes(`/trellis/dist/types/${key === '.' ? 'index' : `${key.slice(2)}/index`}.d.ts`)), key).toBe(true);
  expect(files.filter((f) => /@types\/(node|ws|better-sqlite3)\/|@cloudflare\/workers-types/.test(f))).toEqual([]);
}, 180_000);

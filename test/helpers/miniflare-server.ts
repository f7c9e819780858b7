/**
 * The Cloudflare adapter under miniflare: workerd (from npm) runs
 * test/helpers/workerd/test-worker.ts, with SQLite-backed Durable Objects
 * persisted in a temp directory, on 127.0.0.1 at a free port. The worker is
 * bundled in memory once per test file with Vite's build API (workerd
 * resolution conditions, `cloudflare:` modules left to workerd).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import { build } from 'vite';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Must match wrangler.toml. */
export const COMPATIBILITY_DATE = '2026-04-20';

/** ES modules for workerd, the entry first. */
type WorkerModules = { type: 'ESModule'; path: string; contents: string }[];

let bundled: Promise<WorkerModules> | undefined;

/** The test worker, bundled in memory on first use. */
export function testWorkerModules(): Promise<WorkerModules> {
  bundled ??= bundle();
  return bundled;
}

function bundle(): Promise<WorkerModules> {
  return bundleForWorkerd(join(ROOT, 'test/helpers/workerd/test-worker.ts'));
}

/** Bundles a Worker entry in memory for workerd: ES modules, the entry first (the bench bundles the production entry with it too). */
export async function bundleForWorkerd(entry: string): Promise<WorkerModules> {
  const result = await build({
    configFile: false,
    logLevel: 'silent',
    resolve: { conditions: ['workerd', 'worker', 'browser'] },
    build: {
      write: false,
      minify: false,
      target: 'es2022',
      lib: { entry, formats: ['es'], fileName: 'worker' },
      rollupOptions: { external: [/^cloudflare:/] },
    },
  });
  const { output } = (Array.isArray(result) ? result[0] : result) as { output: { type: string; fileName: string; code?: string; isEntry?: boolean }[] };
  const chunks = output.filter((o) => o.type === 'chunk').sort((a, b) => Number(b.isEntry) - Number(a.isEntry));
  return chunks.map((chunk) => ({ type: 'ESModule', path: chunk.fileName, contents: chunk.code as string }));
}

export interface MiniflareOptions {
  /** Directory of the objects' SQLite files; a restart on the same one keeps every library. */
  readonly persistDir: string;
  /** Worker variables and secrets (TRELLIS_SECRET, TRELLIS_TRUANCY, …). */
  readonly bindings: Record<string, string>;
  /** Default 0: a free port. */
  readonly port?: number;
}

/** Starts workerd; resolves with the running instance and its http:// origin. */
export async function startMiniflare(o: MiniflareOptions): Promise<{ mf: Miniflare; origin: string }> {
  const mf = new Miniflare({
    modules: await testWorkerModules(),
    compatibilityDate: COMPATIBILITY_DATE,
    durableObjects: { TRELLIS: { className: 'TestLibrary', useSQLite: true } },
    durableObjectsPersist: o.persistDir,
    // files: the bucket of file fields (r2-files.ts), persisted beside the objects.
    r2Buckets: ['TRELLIS_FILES'],
    r2Persist: o.persistDir,
    bindings: o.bindings,
    host: '127.0.0.1',
    port: o.port ?? 0,
  });
  const url = await mf.ready;
  return { mf, origin: url.origin };
}

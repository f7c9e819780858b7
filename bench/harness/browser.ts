/**
 * The bench page in real Chromium: built with Vite (bench/vite.config.ts),
 * served from 127.0.0.1, opened in a persistent context on a fresh profile
 * directory so IndexedDB lives on disk (Playwright's default context keeps
 * it in memory). Figures talk to the page through `call`, which invokes
 * `window.bench.call(figure, method, arg)` (see bench/client/main.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';
import { serveStatic, type StaticServer } from './serve.js';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface ClientPage {
  readonly page: Page;
  /** Calls a page-side figure method; the value must be serializable by Playwright. */
  call<T = unknown>(figure: string, method: string, arg?: unknown): Promise<T>;
  /** A fresh page load: new JS realm, no Dexie or module state; IndexedDB on disk stays. */
  reload(): Promise<void>;
  /** Runs `before` and `after` around every reload (the profiler restarts in the new realm); returns a remover. */
  aroundReload(before: () => Promise<void>, after: () => Promise<void>): () => void;
  close(): Promise<void>;
}

/** The bench page, built once per run (every figure's browser loads the same build). */
let built: Promise<unknown> | undefined;

export async function startClient(root: string, log: (message: string) => void): Promise<ClientPage> {
  const outDir = join(root, 'bench/.build/client');
  built ??= (log('building the bench page (vite)'), build({ configFile: join(root, 'bench/vite.config.ts'), logLevel: 'warn' }));
  await built;
  const server: StaticServer = await serveStatic(outDir);
  const profileDir = await mkdtemp(join(tmpdir(), 'trellis-bench-'));
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: process.env.TRELLIS_CHROMIUM ?? '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
    });
  } catch (err) {
    await server.close();
    await rm(profileDir, { recursive: true, force: true });
    throw new Error(`Could not start Chromium; install it (apt-get install -y chromium) or set TRELLIS_CHROMIUM. ${String(err)}`);
  }
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (err) => log(`page error: ${err.message}`));
  const load = async () => {
    await page.goto(server.url);
    await page.waitForFunction(() => typeof (window as { bench?: unknown }).bench === 'object');
  };
  await load();
  const hooks = new Set<{ before: () => Promise<void>; after: () => Promise<void> }>();
  log(`Chromium ${context.browser()?.version() ?? ''} on ${server.url}, profile ${profileDir}`);
  return {
    page,
    call: (figure, method, arg) =>
      page.evaluate(([f, m, a]) => (window as unknown as BenchWindow).bench.call(f, m, a), [figure, method, arg] as const) as never,
    reload: async () => {
      for (const hook of hooks) await hook.before();
      await load();
      for (const hook of hooks) await hook.after();
    },
    aroundReload: (before, after) => {
      const hook = { before, after };
      hooks.add(hook);
      return () => void hooks.delete(hook);
    },
    close: async () => {
      await context?.close();
      await server.close();
      await rm(profileDir, { recursive: true, force: true });
    },
  };
}

/** Another tab on the bench page, in the same context (same profile and origin, its own JS realm). */
export interface ExtraPage {
  readonly page: Page;
  call<T = unknown>(figure: string, method: string, arg?: unknown): Promise<T>;
  close(): Promise<void>;
}

export async function openExtraPage(client: ClientPage): Promise<ExtraPage> {
  const page = await client.page.context().newPage();
  await page.goto(client.page.url());
  await page.waitForFunction(() => typeof (window as { bench?: unknown }).bench === 'object');
  return {
    page,
    call: (figure, method, arg) =>
      page.evaluate(([f, m, a]) => (window as unknown as BenchWindow).bench.call(f, m, a), [figure, method, arg] as const) as never,
    close: () => page.close(),
  };
}

interface BenchWindow {
  bench: { call(figure: string, method: string, arg: unknown): Promise<unknown> };
}

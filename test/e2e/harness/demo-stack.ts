/**
 * Everything a browser test needs, for real: the Node sync server (port 0,
 * SQLite in a temp dir, no secret, so it serves the dev token endpoint), the
 * demo built by Vite and served by `vite preview` (which proxies /dev/token
 * and serves /demo-config.json, as `npm start` does), and Chromium.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';
import { createNodeServer, type NodeServer } from 'trellis/server/node';
import { demoConfig } from '../../../demo/vite.config.js';
import { launchChromium } from './chromium.js';
import { openDemoPage, type DemoPage } from './demo-page.js';

export interface DemoStack {
  /** The demo's URL, e.g. http://127.0.0.1:41234/ */
  readonly url: string;
  readonly browser: Browser;
  server(): NodeServer;
  /** A fresh browser context (its own IndexedDB and localStorage: a separate replica) with the demo open. */
  openReplica(name: string, o?: { setup?: (context: BrowserContext) => Promise<unknown>; waitForLive?: boolean }): Promise<DemoPage>;
  /** Stops the sync server (the demo stays up). */
  stopServer(): Promise<void>;
  /** Starts it again on the same port and database. */
  startServer(): Promise<void>;
  close(): Promise<void>;
}

export async function startDemoStack(): Promise<DemoStack> {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-e2e-'));
  const dbPath = join(dir, 'trellis.sqlite');
  let server: NodeServer | undefined = await createNodeServer({ port: 0, dbPath, compactIntervalMs: 0 });
  const port = server.port;
  const config = demoConfig({ server: `http://127.0.0.1:${port}` });
  const outDir = join(dir, 'demo');
  let web: PreviewServer | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const close = async () => {
    await Promise.allSettled(contexts.map((c) => c.close()));
    await browser?.close();
    await web?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    browser = await launchChromium();
    await build({ ...config, logLevel: 'silent', build: { ...config.build, outDir, emptyOutDir: true, sourcemap: false } });
    web = await preview({ ...config, logLevel: 'silent', build: { outDir }, preview: { ...config.preview, port: 0, strictPort: false } });
  } catch (err) {
    await close();
    throw err;
  }
  const url = web.resolvedUrls?.local[0];
  if (!url) throw new Error('vite preview did not report its URL');
  const launched = browser;
  return {
    url,
    browser: launched,
    server: () => {
      if (!server) throw new Error('The sync server is stopped.');
      return server;
    },
    async openReplica(name, o = {}) {
      const context = await launched.newContext({ viewport: { width: 1200, height: 820 }, acceptDownloads: true });
      contexts.push(context);
      await o.setup?.(context);
      return openDemoPage({ context, url, name, waitForLive: o.waitForLive ?? true });
    },
    async stopServer() {
      await server?.close();
      server = undefined;
    },
    async startServer() {
      server = await createNodeServer({ port, dbPath, compactIntervalMs: 0 });
    },
    close,
  };
}

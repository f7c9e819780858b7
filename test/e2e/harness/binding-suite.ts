/**
 * One browser suite for every framework binding page (react-page/, vue-page/,
 * svelte-page/, sharing binding-pages/page-app.ts), run in real Chromium
 * against a real Node server on 127.0.0.1: a live list, a write from another
 * replica appearing in it, a checkbox that keeps its new state in the frame of
 * the click, and a late joiner that saves its changes at risk and joins
 * through the page's "Join library" button.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { PluginOption, PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eSkipped, launchChromium, missingChromium } from './chromium.js';
import { PATIENCE } from './demo-page.js';
import { serveTestPage } from './test-page.js';
import { openReplica, startTestServer, type TestReplica, type TestServer } from '../../helpers/sync-harness.js';
import type { BindingPage, OpenOptions } from '../binding-pages/page-app.js';

export interface BindingPageSuite {
  /** The binding's name, in test titles and the library's name. */
  readonly name: string;
  /** The page's folder (index.html and main.ts). */
  readonly root: URL;
  readonly plugins?: () => PluginOption[];
}

export function describeBindingPage(suite: BindingPageSuite): void {
  const library = `${suite.name}-e2e`;
  describe.skipIf(e2eSkipped() || missingChromium() !== undefined)(`the ${suite.name} page in Chromium`, { timeout: 90_000 }, () => {
    let dir: string;
    let server: TestServer;
    let web: PreviewServer;
    let browser: Browser;
    let first: Page;
    let other: TestReplica | undefined;

    /** A page in a browser context of its own (its own IndexedDB: its own replica). */
    const openPage = async (o: Pick<OpenOptions, 'name' | 'local'>) => {
      const page = await (await browser.newContext()).newPage();
      page.setDefaultTimeout(PATIENCE);
      await page.goto(web.resolvedUrls?.local[0] as string);
      await page.waitForFunction(() => 'bindingPage' in window);
      const options: OpenOptions = { url: server.url, library, token: await server.token(library, { user: o.name }), ...o };
      const replicaId = await page.evaluate((args) => (window as unknown as { bindingPage: BindingPage }).bindingPage.open(args), options);
      return Object.assign(page, { replicaId });
    };
    const titles = (page: Page) => page.locator('#list .title').allTextContents();

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), `trellis-${suite.name}-`));
      server = await startTestServer({}, dir);
      web = await serveTestPage({ root: suite.root, outDir: dir, plugins: suite.plugins?.() });
      browser = await launchChromium();
    }, 90_000);
    afterAll(async () => {
      await other?.close();
      await browser?.close();
      await web?.close();
      // dispose() removes `dir` with the database and the built page.
      await server?.dispose();
    });

    it('shows a live list once the first replica is live', async () => {
      first = await openPage({ name: 'first', local: [] });
      await expect.poll(() => first.locator('#phase').textContent(), { timeout: PATIENCE }).toBe('live');
      await first.evaluate(async () => {
        const page = (window as unknown as { bindingPage: BindingPage }).bindingPage;
        await page.put('a1', 'Item a1');
        await page.put('a2', 'Item a2');
        await page.flushed();
      });
      await expect.poll(() => titles(first), { timeout: PATIENCE }).toEqual(['Item a1', 'Item a2']);
    });

    it('shows a write from another replica (a Node client) in the live list', async () => {
      other = await openReplica(server, library);
      await other.settle();
      await other.store.collection('todos').put({ id: 'n1', title: 'From Node', createdAt: 3 });
      await other.settle();
      await expect.poll(() => titles(first), { timeout: PATIENCE }).toEqual(['Item a1', 'Item a2', 'From Node']);
    });

    it('keeps a clicked checkbox checked in the frame of the click (no flip back)', async () => {
      const seen = await first.evaluate(
        () =>
          new Promise<{ now: boolean; frame: boolean; rendered: string | undefined }>((resolve) => {
            const box = document.getElementById('done-a1') as HTMLInputElement;
            box.click();
            const now = box.checked;
            requestAnimationFrame(() => {
              const shown = document.getElementById('done-a1') as HTMLInputElement;
              // data-done is rendered from the query's data: the write itself is on screen, not just the click.
              resolve({ now, frame: shown.checked, rendered: shown.closest('li')?.dataset.done });
            });
          }),
      );
      expect(seen).toEqual({ now: true, frame: true, rendered: 'true' });
    });

    it('a late joiner saves its changes at risk, then joins through its Join library button', async () => {
      const late = await openPage({ name: 'late', local: ['b1'] });
      const button = late.locator('#join');
      await expect.poll(() => button.textContent(), { timeout: PATIENCE }).toBe('Join library (late-joiner, 1 changes will be archived)');

      const [download] = await Promise.all([late.waitForEvent('download'), late.locator('#save').click()]);
      const saved = JSON.parse(readFileSync(await download.path(), 'utf8')) as { format: string; version: number; replicaId: string; ops: { id: string; collection: string }[] };
      expect({ ...saved, ops: saved.ops.map((op) => `${op.collection}/${op.id}`) }).toEqual({
        format: 'trellis-at-risk',
        version: 1,
        replicaId: late.replicaId,
        ops: ['todos/b1'],
      });

      await button.click();
      await expect.poll(() => late.locator('#phase').textContent(), { timeout: PATIENCE }).toBe('live');
      await expect.poll(() => titles(late), { timeout: PATIENCE }).toEqual(['Item a1', 'Item a2', 'From Node']);
      expect(await late.locator('#done-a1').isChecked()).toBe(true);
      await expect.poll(() => late.locator('#join').count(), { timeout: PATIENCE }).toBe(0);
    });
  });
}

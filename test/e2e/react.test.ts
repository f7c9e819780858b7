/**
 * trellis/react in real Chromium: a React page (test/e2e/react-page/, built
 * by Vite from source) shows a live list with useQuery, a checkbox that
 * keeps its new state in the frame of the click, and a "Join library" button
 * from useJoinLibrary that makes a late joiner join against a real Node
 * server on 127.0.0.1.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeServer, type NodeServer } from 'trellis/server/node';
import { e2eSkipped, launchChromium, missingChromium } from './harness/chromium.js';
import { PATIENCE } from './harness/demo-page.js';
import { serveTestPage } from './harness/test-page.js';

const LIBRARY = 'react-e2e';

describe.skipIf(e2eSkipped() || missingChromium() !== undefined)('trellis/react in Chromium', { timeout: 90_000 }, () => {
  let dir: string;
  let server: NodeServer;
  let web: PreviewServer;
  let browser: Browser;
  let first: Page;

  /** A page in a browser context of its own (its own IndexedDB: its own replica). */
  const openPage = async (o: { name: string; local: string[] }) => {
    const page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(PATIENCE);
    await page.goto(web.resolvedUrls?.local[0] as string);
    await page.waitForFunction(() => 'reactPage' in window);
    const token = await server.tokens.issue({ library: LIBRARY, user: 'ada', role: 'write', expiresIn: '1h' });
    await page.evaluate((args) => (window as unknown as { reactPage: { open(a: unknown): Promise<string> } }).reactPage.open(args), { url: server.url, library: LIBRARY, token, ...o });
    return page;
  };
  const titles = (page: Page) => page.locator('#list .title').allTextContents();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trellis-react-'));
    server = await createNodeServer({ port: 0, dbPath: join(dir, 'trellis.sqlite'), secret: 'react-e2e-secret-0123456789abcdef', compactIntervalMs: 0 });
    web = await serveTestPage({ root: new URL('./react-page/', import.meta.url), outDir: dir });
    browser = await launchChromium();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await web?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows a live list through useQuery once the first replica is live', async () => {
    first = await openPage({ name: 'first', local: [] });
    await expect.poll(() => first.locator('#phase').textContent(), { timeout: PATIENCE }).toBe('live');
    await first.evaluate(async () => {
      const page = (window as unknown as { reactPage: { put(id: string, t: string): Promise<void>; flushed(): Promise<void> } }).reactPage;
      await page.put('a1', 'Item a1');
      await page.put('a2', 'Item a2');
      await page.flushed();
    });
    await expect.poll(() => titles(first), { timeout: PATIENCE }).toEqual(['Item a1', 'Item a2']);
  });

  it('keeps a clicked checkbox checked in the frame of the click (no flip back)', async () => {
    const seen = await first.evaluate(
      () =>
        new Promise<{ sync: boolean; frame: boolean }>((resolve) => {
          const box = document.getElementById('done-a1') as HTMLInputElement;
          box.click();
          const sync = box.checked;
          requestAnimationFrame(() => resolve({ sync, frame: (document.getElementById('done-a1') as HTMLInputElement).checked }));
        }),
    );
    expect(seen).toEqual({ sync: true, frame: true });
  });

  it('a late joiner is asked to join, and its Join library button joins against the real server', async () => {
    const late = await openPage({ name: 'late', local: ['b1'] });
    const button = late.locator('#join');
    await expect.poll(() => button.textContent(), { timeout: PATIENCE }).toBe('Join library (late-joiner, 1 changes will be archived)');
    await button.click();
    await expect.poll(() => late.locator('#phase').textContent(), { timeout: PATIENCE }).toBe('live');
    await expect.poll(() => titles(late), { timeout: PATIENCE }).toEqual(['Item a1', 'Item a2']);
    expect(await late.locator('#done-a1').isChecked()).toBe(true);
  });
});

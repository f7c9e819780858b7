/**
 * One replica: a browser context with the demo open, and the few actions and
 * readings the tests need, through the UI only (what a person would do).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Locator, Page } from 'playwright-core';

/** Git-ignored (test-results/). */
export const SCREENSHOTS = fileURLToPath(new URL('../../../test-results/e2e/', import.meta.url));

/** Upper bound for anything to show up: a safety net against hangs, never a timing assertion. */
export const PATIENCE = 20_000;

export type BadgeKind = 'paused' | 'standby' | 'offline' | 'connecting' | 'syncing' | 'live' | 'join' | 'error';

export interface ItemView {
  readonly title: string;
  readonly done: boolean;
}

export interface DemoPage {
  readonly name: string;
  readonly page: Page;
  readonly context: BrowserContext;
  byTestId(id: string): Locator;
  addItem(title: string): Promise<void>;
  /** The list as shown, in order. */
  items(): Promise<ItemView[]>;
  titles(): Promise<string[]>;
  toggle(title: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  badge(): Promise<{ phase: string; pending: number }>;
  waitForBadge(phase: BadgeKind, o?: { pending?: number }): Promise<void>;
  /**
   * Waits until the server has acknowledged every write made so far. The list
   * shows a write before it commits, so the badge may still say "pending 0"
   * from before it: this reads the store's own counters instead (a read-only
   * IndexedDB transaction waits for the write's transaction to commit).
   */
  waitForAcknowledged(): Promise<void>;
  libraryCode(): Promise<string>;
  replicaId(): Promise<string>;
  /** Types a code into "Join library", submits, and waits until this device has switched to it. */
  join(code: string): Promise<void>;
  /** Clicks `target` and returns the downloaded file's text. */
  download(target: Locator): Promise<{ filename: string; text: string }>;
  screenshot(name: string): Promise<string>;
  reload(): Promise<void>;
}

export async function openDemoPage(o: { context: BrowserContext; url: string; name: string; waitForLive: boolean }): Promise<DemoPage> {
  const { context, name } = o;
  const page = await context.newPage();
  page.setDefaultTimeout(PATIENCE);
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  const byTestId = (id: string) => page.locator(`[data-testid="${id}"]`);
  const itemRow = (title: string) => page.locator('[data-testid="item"]', { has: page.locator(`[data-testid="item-title"]`, { hasText: new RegExp(`^${escape(title)}$`) }) });

  const ready = async () => {
    await page.locator('body[data-ready="true"]').waitFor({ state: 'attached' });
    if (o.waitForLive) await byTestId('sync-badge').and(page.locator('[data-phase="live"]')).waitFor();
  };
  const demo: DemoPage = {
    name,
    page,
    context,
    byTestId,
    async addItem(title) {
      await byTestId('new-item').fill(title);
      await byTestId('new-item').press('Enter');
      await itemRow(title).waitFor();
    },
    items: () =>
      page.$$eval('[data-testid="item"]', (rows) =>
        rows.map((row) => ({ title: row.querySelector('[data-testid="item-title"]')?.textContent ?? '', done: (row as HTMLElement).dataset.done === 'true' })),
      ),
    titles: async () => (await demo.items()).map((item) => item.title),
    async toggle(title) {
      const before = await itemRow(title).getAttribute('data-done');
      await itemRow(title).locator('[data-testid="item-done"]').click();
      await itemRow(title).and(page.locator(`[data-done="${before === 'true' ? 'false' : 'true'}"]`)).waitFor();
    },
    async rename(from, to) {
      await itemRow(from).locator('[data-testid="item-title"]').click();
      await byTestId('item-edit').fill(to);
      await byTestId('item-edit').press('Enter');
      await itemRow(to).waitFor();
    },
    async badge() {
      const badge = byTestId('sync-badge');
      return { phase: (await badge.getAttribute('data-phase')) ?? '', pending: Number(await badge.getAttribute('data-pending')) };
    },
    async waitForBadge(phase, w = {}) {
      const pending = w.pending === undefined ? '' : `[data-pending="${w.pending}"]`;
      await page.locator(`[data-testid="sync-badge"][data-phase="${phase}"]${pending}`).waitFor();
    },
    async waitForAcknowledged() {
      const counters = () =>
        page.evaluate(async () => {
          for (const info of await indexedDB.databases()) {
            const db = await new Promise<IDBDatabase>((resolve, reject) => {
              const open = indexedDB.open(info.name as string);
              open.onsuccess = () => resolve(open.result);
              open.onerror = () => reject(open.error);
            });
            try {
              if (!db.objectStoreNames.contains('meta')) continue;
              const row = await new Promise<{ value?: { seq: number; ackedSeq: number } } | undefined>((resolve) => {
                const get = db.transaction('meta').objectStore('meta').get('local');
                get.onsuccess = () => resolve(get.result);
              });
              if (row?.value) return row.value;
            } finally {
              db.close();
            }
          }
          return undefined;
        });
      const deadline = Date.now() + PATIENCE;
      for (;;) {
        const local = await counters();
        if (local && local.ackedSeq >= local.seq) return;
        if (Date.now() > deadline) throw new Error(`Writes not acknowledged within ${PATIENCE} ms: ${JSON.stringify(local)}`);
        await page.waitForTimeout(50);
      }
    },
    libraryCode: async () => (await byTestId('library-code').textContent()) ?? '',
    replicaId: async () => (await byTestId('replica-id').textContent()) ?? '',
    async join(code) {
      await byTestId('join-code').fill(code);
      await byTestId('join-button').click();
      // The demo checks the code with the server first; then this device switches to it.
      await byTestId('library-code').filter({ hasText: new RegExp(`^${escape(code)}$`) }).waitFor();
    },
    async download(target) {
      const [download] = await Promise.all([page.waitForEvent('download'), target.click()]);
      const path = await download.path();
      return { filename: download.suggestedFilename(), text: readFileSync(path, 'utf8') };
    },
    async screenshot(shot) {
      mkdirSync(SCREENSHOTS, { recursive: true });
      const path = join(SCREENSHOTS, `${shot}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    async reload() {
      await page.reload();
      await ready();
    },
  };
  await page.goto(o.url);
  await ready();
  if (errors.length > 0) throw new Error(`${name}: the demo threw: ${errors.join('; ')}`);
  return demo;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

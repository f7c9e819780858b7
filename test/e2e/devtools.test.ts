/**
 * trellis/devtools in real Chromium: a page built by Vite from source mounts
 * the panel against a real Node server on 127.0.0.1. It shows the replica
 * id, the phase and pending count, the op log's tail, a document's merge
 * state on request, and an archive's export after a late joiner joins; user
 * data shows as text, never as markup.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeServer, type NodeServer } from 'trellis/server/node';
import { e2eSkipped, launchChromium, missingChromium } from './harness/chromium.js';
import { PATIENCE } from './harness/demo-page.js';
import { serveTestPage } from './harness/test-page.js';

const LIBRARY = 'devtools-e2e';

interface DevtoolsPage {
  open(o: { url: string; library: string; token: string; name: string; local: string[] }): Promise<string>;
  put(id: string, title: string): Promise<void>;
  update(id: string, title: string): Promise<void>;
  flushed(): Promise<void>;
  join(): Promise<void>;
  setPresence(state: { editing: string }): void;
  unmount(): void;
  element(): void;
  removeElement(): void;
  tryTail(tail: number): string;
}

describe.skipIf(e2eSkipped() || missingChromium() !== undefined)('trellis/devtools in Chromium', { timeout: 90_000 }, () => {
  let dir: string;
  let server: NodeServer;
  let web: PreviewServer;
  let browser: Browser;
  let first: Page;
  let firstId: string;
  let late: Page;

  /** A page in a browser context of its own (its own IndexedDB: its own replica), with the panel mounted. */
  const openPage = async (o: { name: string; local: string[] }) => {
    const page = await (await browser.newContext({ acceptDownloads: true })).newPage();
    page.setDefaultTimeout(PATIENCE);
    await page.goto(web.resolvedUrls?.local[0] as string);
    await page.waitForFunction(() => 'devtoolsPage' in window);
    const token = await server.tokens.issue({ library: LIBRARY, user: 'ada', role: 'write', expiresIn: '1h' });
    const replicaId = await page.evaluate((args) => (window as unknown as { devtoolsPage: DevtoolsPage }).devtoolsPage.open(args), { url: server.url, library: LIBRARY, token, ...o });
    return { page, replicaId };
  };
  const drive = <T>(page: Page, fn: (p: DevtoolsPage) => Promise<T> | T) =>
    page.evaluate(`(${fn.toString()})(window.devtoolsPage)`) as Promise<T>;
  const field = (page: Page, name: string) => page.locator(`.trellis-devtools [data-field="${name}"]`);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trellis-devtools-'));
    // A write rule refuses items whose id starts with "forbidden": a rejection for the panel's error list.
    const rules = { items: { write: ({ id }: { id: string }) => (id.startsWith('forbidden') ? 'No forbidden items here.' : true) } };
    server = await createNodeServer({ port: 0, dbPath: join(dir, 'trellis.sqlite'), secret: 'devtools-e2e-secret-0123456789abcdef', compactIntervalMs: 0, rules });
    web = await serveTestPage({ root: new URL('./devtools-page/', import.meta.url), outDir: dir });
    browser = await launchChromium();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await web?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows the replica id, phase live, and pending 0 once a write is flushed', async () => {
    ({ page: first, replicaId: firstId } = await openPage({ name: 'first', local: [] }));
    await expect.poll(() => field(first, 'replica-id').textContent(), { timeout: PATIENCE }).toBe(firstId);
    await expect.poll(() => field(first, 'phase').textContent(), { timeout: PATIENCE }).toBe('live');
    await drive(first, async (p) => {
      await p.put('a1', 'Milk');
      await p.update('a1', 'Oat milk');
      await p.flushed();
    });
    await expect.poll(() => field(first, 'pending').textContent(), { timeout: PATIENCE }).toBe('0');
    await expect.poll(() => field(first, 'library').textContent(), { timeout: PATIENCE }).toBe(LIBRARY);
    // The cursor counts what the server sent: this replica's own acknowledged writes do not move it.
    expect(await field(first, 'cursor').textContent()).toMatch(/^0 \(epoch [\w-]+\)$/);
    expect(await field(first, 'truancy').textContent()).toBe('Not truant: the server resumed this replica.');
  });

  it('shows the ops in the live tail, held by the server', async () => {
    const op = first.locator(`.trellis-devtools [data-field="op-log"] tr[data-op="${firstId}#2"]`);
    await expect.poll(() => op.textContent(), { timeout: PATIENCE }).toContain('set title = "Oat milk"');
    expect(await op.textContent()).toContain('server');
    expect(await first.locator('.trellis-devtools [data-field="op-log"] tbody tr').count()).toBe(2);
  });

  it("shows a document's merge state on request (keyboard only)", async () => {
    await field(first, 'merge-id').fill('a1');
    await field(first, 'merge-id').press('Enter');
    await expect.poll(() => field(first, 'merge-summary').textContent(), { timeout: PATIENCE }).toBe(
      'items / a1: shown; 2 write(s) in its merge state, 0 of them compacted into the baseline; 2 op(s) in the log.',
    );
    expect(JSON.parse((await field(first, 'merge-document').textContent()) as string)).toEqual({ id: 'a1', title: 'Oat milk' });
    const entries = field(first, 'merge-state').locator('tr[data-entry]');
    expect(await entries.evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.entry))).toEqual([`${firstId}#1`, `${firstId}#2`]);
  });

  it('renders document ids and values as text, never as markup', async () => {
    const hostile = '<img src=x onerror="window.__pwned=1">';
    await drive(first, async (p) => {
      await p.put('<b id="bold">x</b>', '<img src=x onerror="window.__pwned=1">');
      await p.flushed();
    });
    const row = first.locator('.trellis-devtools [data-field="op-log"] tr', { hasText: '<b id="bold">x</b>' });
    await expect.poll(() => row.count(), { timeout: PATIENCE }).toBe(1);
    expect(await row.textContent()).toContain(JSON.stringify(hostile));
    expect(await first.locator('.trellis-devtools img, .trellis-devtools #bold').count()).toBe(0);
    expect(await first.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  });

  it('lists the archive a late joiner made when it joined, and exports it as JSON', async () => {
    const opened = await openPage({ name: 'late', local: ['b1'] });
    late = opened.page;
    const lateId = opened.replicaId;
    await expect.poll(() => field(late, 'phase').textContent(), { timeout: PATIENCE }).toBe('join-required');
    expect(await field(late, 'progress').textContent()).toBe('join required (late-joiner, 1 changes at risk)');
    await drive(late, (p) => p.join());
    await expect.poll(() => field(late, 'phase').textContent(), { timeout: PATIENCE }).toBe('live');
    // Joining gave the store a new replica id; the panel follows it. The snapshot moved the cursor to the library's head.
    await expect.poll(() => field(late, 'replica-id').textContent(), { timeout: PATIENCE }).not.toBe(lateId);
    await expect.poll(() => field(late, 'cursor').textContent(), { timeout: PATIENCE }).toMatch(/^3 \(epoch [\w-]+\)$/);
    const button = late.locator('.trellis-devtools [data-field="archives"] button');
    await expect.poll(() => button.count(), { timeout: PATIENCE }).toBe(1);
    expect(await late.locator('.trellis-devtools [data-field="archives"] tbody tr').textContent()).toContain(lateId);
    const [download] = await Promise.all([late.waitForEvent('download'), button.focus().then(() => button.press('Enter'))]);
    expect(download.suggestedFilename()).toMatch(/^trellis-archive-[A-Za-z0-9_-]+\.json$/);
    const exported = JSON.parse(readFileSync((await download.path()) as string, 'utf8'));
    expect(exported).toMatchObject({ format: 'trellis-archive', archive: { reason: 'late-joiner', replicaId: lateId } });
    expect(exported.archive.ops.map((op: { id: string }) => op.id)).toEqual(['b1']);
    await expect.poll(() => field(late, 'errors').textContent(), { timeout: PATIENCE }).toContain('No errors seen');
  });

  it('lists a failed panel action among the last errors', async () => {
    await field(first, 'merge-id').fill('');
    await field(first, 'merge-id').press('Enter');
    await expect.poll(() => field(first, 'errors').textContent(), { timeout: PATIENCE }).toContain('INVALID_ARGUMENT');
    expect(await field(first, 'errors').textContent()).toContain('merge state');
  });

  it('lists a write the server rejected among the last errors, naming the document', async () => {
    await drive(first, (p) => p.put('forbidden-1', 'Nope'));
    await expect.poll(() => field(first, 'errors').textContent(), { timeout: PATIENCE }).toContain('items / forbidden-1: No forbidden items here.');
    expect(await field(first, 'errors').textContent()).toContain('RULE_REJECTED');
  });

  it("shows this replica's presence, and the others' once asked to watch them", async () => {
    await drive(first, (p) => p.setPresence({ editing: 'a1' }));
    await drive(late, (p) => p.setPresence({ editing: 'b1' }));
    await first.locator('.trellis-devtools [data-section="presence"] summary').click();
    await expect.poll(() => field(first, 'presence-self').textContent(), { timeout: PATIENCE }).toBe('{"editing":"a1"}');
    await first.locator('.trellis-devtools [data-section="presence"] button').press('Enter');
    const lateNow = (await field(late, 'replica-id').textContent()) as string;
    const peer = field(first, 'presence-peers').locator('tbody tr');
    await expect.poll(() => peer.textContent(), { timeout: PATIENCE }).toContain(lateNow);
    expect(await peer.textContent()).toContain('{"editing":"b1"}');
  });

  it('shows a tail of 1 to 1000 ops, and refuses any other', async () => {
    const results = await first.evaluate(() => [1, 1000, 0, 1001, 2.5].map((n) => (window as unknown as { devtoolsPage: DevtoolsPage }).devtoolsPage.tryTail(n)));
    expect(results).toEqual(['ok', 'ok', 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', 'INVALID_ARGUMENT']);
  });

  it('removes the panel on unmount', async () => {
    await drive(first, (p) => p.unmount());
    expect(await first.locator('.trellis-devtools').count()).toBe(0);
  });

  it('mounts as a <trellis-devtools> element while it is in the document', async () => {
    await drive(first, (p) => p.element());
    const phase = first.locator('trellis-devtools .trellis-devtools [data-field="phase"]');
    await expect.poll(() => phase.textContent(), { timeout: PATIENCE }).toBe('live');
    expect(await first.locator('trellis-devtools [data-field="replica-id"]').textContent()).toBe(firstId);
    await drive(first, (p) => p.removeElement());
    expect(await first.locator('.trellis-devtools').count()).toBe(0);
  });
});

/**
 * Many tabs, one replica, in real Chromium: three pages of one origin in one
 * browser context share a store (one database, one replica). Exactly one holds
 * the sync connection; every tab's writes reach a second replica (another
 * context); closing or freezing the leader hands the connection to another
 * tab; and the server's op log for the shared replica ends gap-free, with
 * every write exactly once.
 *
 * The page (test/e2e/tabs-page/) runs the library from source, built by Vite
 * as the demo is, and counts the WebSockets it holds open: that count is how
 * the test tells which tab leads. Chromium is started by cdp-chromium.ts, so
 * that its pages can really be frozen.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { BrowserContext, Page } from 'playwright-core';
import type { PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeServer, type NodeServer } from 'trellis/server/node';
import type { SyncState } from 'trellis/sync';
import { e2eSkipped, missingChromium } from './harness/chromium.js';
import { launchFreezableChromium, type FreezableChromium } from './harness/cdp-chromium.js';
import { PATIENCE } from './harness/demo-page.js';
import { serveTestPage } from './harness/test-page.js';

const LIBRARY = 'tabs-e2e';

interface TabsPage {
  open(o: { url: string; library: string; token: string }): Promise<string>;
  put(id: string, title: string): Promise<void>;
  titles(): Promise<string[]>;
  state(): SyncState;
  sockets(): number;
  beats(): number;
}

/** Calls the page's `window.tabsPage[method](...args)`. */
const call = <K extends keyof TabsPage>(page: Page, method: K, ...args: Parameters<TabsPage[K]>) =>
  page.evaluate(([m, a]) => (window as unknown as { tabsPage: Record<string, (...x: unknown[]) => unknown> }).tabsPage[m as string]!(...(a as unknown[])), [
    method,
    args,
  ] as const) as Promise<Awaited<ReturnType<TabsPage[K]>>>;

describe.skipIf(e2eSkipped() || missingChromium() !== undefined)('many tabs, one replica', { timeout: 90_000 }, () => {
  let dir: string;
  let server: NodeServer;
  let web: PreviewServer;
  let chromium: FreezableChromium;
  let shared: BrowserContext;
  let tabs: Page[];
  let other: Page;
  let replicaId: string;
  /** Every id written in the shared replica, in write order. */
  const written: string[] = [];

  const openTab = async (context: BrowserContext) => {
    const page = await context.newPage();
    page.setDefaultTimeout(PATIENCE);
    await page.goto(web.resolvedUrls?.local[0] as string);
    await page.waitForFunction(() => 'tabsPage' in window);
    const token = await server.tokens.issue({ library: LIBRARY, user: 'ada', role: 'write', expiresIn: '1h' });
    return { page, replicaId: await call(page, 'open', { url: server.url, library: LIBRARY, token }) };
  };
  const write = async (page: Page, id: string) => {
    await call(page, 'put', id, `Item ${id}`);
    written.push(id);
  };
  /** The tabs that hold a connection, once exactly one does. */
  const leaderOf = async (pages: Page[]) => {
    let leader: Page | undefined;
    await expect
      .poll(
        async () => {
          const sockets = await Promise.all(pages.map((page) => call(page, 'sockets')));
          leader = pages[sockets.indexOf(1)];
          return sockets.sort();
        },
        { timeout: PATIENCE },
      )
      .toEqual([...pages.slice(1).map(() => 0), 1]);
    return leader as Page;
  };
  /**
   * Freezes a tab with CDP, as Chromium freezes a background tab: it keeps its Web Lock and its
   * socket, runs no timer, socket or IndexedDB task until it thaws (it does still receive
   * BroadcastChannel messages, which is why a leader answers pings from a timer).
   */
  const freeze = async (page: Page) => {
    const cdp = await shared.newCDPSession(page);
    await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
    // Evaluation still runs in a frozen page; its timers do not.
    const before = await call(page, 'beats');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await call(page, 'beats'), 'the frozen tab\'s timers stand still').toBe(before);
    return { thaw: () => cdp.send('Page.setWebLifecycleState', { state: 'active' }) };
  };
  const otherSees = (ids: string[]) => expect.poll(() => call(other, 'titles'), { timeout: PATIENCE }).toEqual(expect.arrayContaining(ids.map((id) => `Item ${id}`)));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trellis-tabs-'));
    server = await createNodeServer({ port: 0, dbPath: join(dir, 'trellis.sqlite'), secret: 'tabs-e2e-secret-0123456789abcdef', compactIntervalMs: 0 });
    web = await serveTestPage({ root: new URL('./tabs-page/', import.meta.url), outDir: dir });
    chromium = await launchFreezableChromium();
    shared = chromium.context;
  }, 90_000);
  afterAll(async () => {
    await chromium?.close();
    await web?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('gives three tabs one replica and one connection, and pushes every tab\'s writes', async () => {
    const opened = [];
    for (let i = 0; i < 3; i++) opened.push(await openTab(shared));
    tabs = opened.map((o) => o.page);
    replicaId = opened[0]!.replicaId;
    expect(opened.map((o) => o.replicaId)).toEqual([replicaId, replicaId, replicaId]);
    for (const tab of tabs) await expect.poll(async () => (await call(tab, 'state')).phase, { timeout: PATIENCE }).toBe('live');
    await leaderOf(tabs);
    expect(server.server.stats().connections).toBe(1);

    for (const [i, tab] of tabs.entries()) await write(tab, `a${i}`);
    other = (await openTab(await chromium.browser.newContext())).page;
    await otherSees(['a0', 'a1', 'a2']);
    for (const tab of tabs) await expect.poll(() => call(tab, 'state'), { timeout: PATIENCE }).toMatchObject({ phase: 'live', pending: 0 });
    expect(server.server.stats().connections).toBe(2);
  });

  it('hands the connection to another tab when the leader closes', async () => {
    const leader = await leaderOf(tabs);
    await leader.close();
    tabs = tabs.filter((tab) => tab !== leader);
    await leaderOf(tabs);
    for (const [i, tab] of tabs.entries()) await write(tab, `b${i}`);
    await otherSees(['b0', 'b1']);
  });

  it('replaces a frozen leader within seconds, and the thawed one steps down without pushing anything twice', async () => {
    // Settled first: a tab frozen inside an IndexedDB transaction holds back every other tab's
    // writes until it thaws or Chromium aborts that transaction (about a minute later).
    for (const tab of tabs) await expect.poll(() => call(tab, 'state'), { timeout: PATIENCE }).toMatchObject({ phase: 'live', pending: 0 });
    const leader = await leaderOf(tabs);
    const follower = tabs.find((tab) => tab !== leader) as Page;
    const frozen = await freeze(leader);
    await expect.poll(() => call(follower, 'sockets'), { timeout: PATIENCE }).toBe(1);
    // Written while the leader is frozen: only the new leader can push it.
    await write(follower, 'c0');
    await otherSees(['c0']);

    await frozen.thaw();
    await leaderOf(tabs);
    expect(await call(follower, 'sockets')).toBe(1);
    await expect.poll(() => server.server.stats().connections, { timeout: PATIENCE }).toBe(2);
    await write(leader, 'd0');
    await write(follower, 'd1');
    await otherSees(['d0', 'd1']);
    for (const tab of tabs) await expect.poll(() => call(tab, 'state'), { timeout: PATIENCE }).toMatchObject({ phase: 'live', pending: 0 });
  });

  it('leaves the server one copy of every write, under gap-free seqs', async () => {
    const db = new Database(join(dir, 'trellis.sqlite'), { readonly: true });
    const ops = db.prepare('SELECT seq, id FROM ops WHERE library = ? AND replica = ? ORDER BY seq').all(LIBRARY, replicaId) as { seq: number; id: string }[];
    db.close();
    expect(ops.map((op) => op.seq)).toEqual(written.map((_, i) => i + 1));
    expect(ops.map((op) => op.id).sort()).toEqual([...written].sort());
    expect((await call(other, 'titles')).sort()).toEqual(written.map((id) => `Item ${id}`).sort());
  });
});

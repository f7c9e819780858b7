/**
 * Two browsers, one list: live updates without reload, editing offline and
 * converging after, and everything surviving a reload.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eSkipped, missingChromium } from './harness/chromium.js';
import { startDemoStack, type DemoStack } from './harness/demo-stack.js';
import { PATIENCE, openDemoPage, type DemoPage } from './harness/demo-page.js';

describe.skipIf(e2eSkipped() || missingChromium() !== undefined)('two browsers sharing a list', { timeout: 60_000 }, () => {
  let stack: DemoStack;
  let a: DemoPage;
  let b: DemoPage;

  beforeAll(async () => {
    stack = await startDemoStack();
    [a, b] = await Promise.all([stack.openReplica('A'), stack.openReplica('B')]);
  }, 90_000);
  afterAll(() => stack?.close());

  it('shows an item created in one browser in the other, without a reload', async () => {
    await a.addItem('Oat milk');
    await a.waitForBadge('live', { pending: 0 });
    const library = await a.libraryCode();
    expect(await b.libraryCode()).not.toBe(library);

    await b.join(library);
    await b.waitForBadge('live', { pending: 0 });
    expect(await b.libraryCode()).toBe(library);
    await expect.poll(() => b.titles(), { timeout: PATIENCE }).toEqual(['Oat milk']);

    await a.addItem('Sourdough bread');
    await expect.poll(() => b.titles(), { timeout: PATIENCE }).toEqual(['Oat milk', 'Sourdough bread']);
    await b.addItem('Coffee beans');
    await expect.poll(() => a.titles(), { timeout: PATIENCE }).toEqual(['Oat milk', 'Sourdough bread', 'Coffee beans']);
    await a.screenshot('live-sync-a');
    await b.screenshot('live-sync-b');
  });

  it('keeps editing offline and converges when back online', async () => {
    await b.context.setOffline(true);
    await b.waitForBadge('offline');
    await b.toggle('Oat milk');
    await b.rename('Coffee beans', 'Coffee beans (decaf)');
    await b.addItem('Lemons');
    await b.waitForBadge('offline', { pending: 3 });
    await b.byTestId('offline-banner').waitFor();
    await a.addItem('Tea');
    await a.toggle('Sourdough bread');
    await b.screenshot('offline-b');

    await b.context.setOffline(false);
    await b.waitForBadge('live', { pending: 0 });
    await a.waitForBadge('live', { pending: 0 });
    const expected = [
      { title: 'Oat milk', done: true },
      { title: 'Sourdough bread', done: true },
      { title: 'Coffee beans (decaf)', done: false },
      { title: 'Lemons', done: false },
      { title: 'Tea', done: false },
    ];
    await expect.poll(() => a.items(), { timeout: PATIENCE }).toEqual(expect.arrayContaining(expected));
    await expect.poll(() => b.items(), { timeout: PATIENCE }).toEqual(await a.items());
    expect(await a.items()).toHaveLength(expected.length);
    await b.screenshot('back-online-b');
  });

  it('keeps the list, the library and the replica ID across a reload', async () => {
    const before = { items: await b.items(), library: await b.libraryCode(), replica: await b.replicaId() };
    expect(before.replica).not.toBe('');
    await b.reload();
    expect({ items: await b.items(), library: await b.libraryCode(), replica: await b.replicaId() }).toEqual(before);
    await b.screenshot('after-reload-b');
  });

  it('shares the store with a second tab, which takes over syncing when the first closes', async () => {
    const tab = await openDemoPage({ context: b.context, url: stack.url, name: 'B, second tab', waitForLive: false });
    await tab.waitForBadge('standby');
    expect(await tab.items()).toEqual(await b.items());
    await tab.addItem('Candles');
    await expect.poll(() => b.titles(), { timeout: PATIENCE }).toContain('Candles');
    await expect.poll(() => a.titles(), { timeout: PATIENCE }).toContain('Candles');
    await tab.screenshot('second-tab-standby');

    await b.page.close();
    await tab.waitForBadge('live', { pending: 0 });
    await tab.addItem('Matches');
    await expect.poll(() => a.titles(), { timeout: PATIENCE }).toContain('Matches');
  });
});

/**
 * The demo's "Online now" panel in two browsers: who else is in the library,
 * what they are doing (renaming an item, away), and that they leave.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eSkipped, missingChromium } from './harness/chromium.js';
import { startDemoStack, type DemoStack } from './harness/demo-stack.js';
import { PATIENCE, type DemoPage } from './harness/demo-page.js';

describe.skipIf(e2eSkipped() || missingChromium() !== undefined)('who is online in the demo', { timeout: 60_000 }, () => {
  let stack: DemoStack;
  let a: DemoPage;
  let b: DemoPage;

  beforeAll(async () => {
    stack = await startDemoStack();
    [a, b] = await Promise.all([stack.openReplica('A'), stack.openReplica('B')]);
  }, 90_000);
  afterAll(() => stack?.close());

  const online = (page: DemoPage) => page.byTestId('online-user').allTextContents();

  it('shows the other browser once it joins, and what it is doing', async () => {
    await a.addItem('Oat milk');
    await a.waitForBadge('live', { pending: 0 });
    expect(await online(a)).toEqual([]);
    await b.join(await a.libraryCode());
    await b.waitForBadge('live', { pending: 0 });
    const bob = (await b.byTestId('user').textContent()) ?? '';
    await expect.poll(() => online(a), { timeout: PATIENCE }).toEqual([`${bob}viewing the list`]);

    await b.page.locator('[data-testid="item-title"]', { hasText: 'Oat milk' }).click();
    await expect.poll(() => online(a), { timeout: PATIENCE }).toEqual([`${bob}renaming “Oat milk”`]);
    await a.screenshot('presence-a');
    await b.byTestId('item-edit').press('Escape');
    await expect.poll(() => online(a), { timeout: PATIENCE }).toEqual([`${bob}viewing the list`]);
  });

  it('shows who it saw as last seen, not as online now, while this device is offline', async () => {
    const bob = (await b.byTestId('user').textContent()) ?? '';
    await expect.poll(() => online(a), { timeout: PATIENCE }).toEqual([`${bob}viewing the list`]);
    await a.context.setOffline(true);
    await a.byTestId('presence-stale').waitFor();
    expect(await a.page.locator('#online-title').textContent()).toBe('Last seen');
    expect(await a.byTestId('presence-stale').textContent()).toContain('This device is offline.');
    expect(await online(a)).toEqual([`${bob}was viewing the list`]);
    await a.screenshot('presence-offline-a');
    await a.context.setOffline(false);
    await a.waitForBadge('live');
    await expect.poll(() => online(a), { timeout: PATIENCE }).toEqual([`${bob}viewing the list`]);
    expect(await a.byTestId('presence-stale').isHidden()).toBe(true);
  });

  it('drops a browser that closed, after the grace', async () => {
    await b.context.close();
    await expect.poll(() => online(a), { timeout: PATIENCE }).toEqual([]);
  });
});

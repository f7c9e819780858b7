/**
 * The demo mounts the devtools panel behind a toggle: a button, reachable
 * and pressed with the keyboard, that shows the panel (loaded on first open)
 * and hides it again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eSkipped, missingChromium } from './harness/chromium.js';
import { startDemoStack, type DemoStack } from './harness/demo-stack.js';
import { PATIENCE, type DemoPage } from './harness/demo-page.js';

describe.skipIf(e2eSkipped() || missingChromium() !== undefined)('devtools in the demo', { timeout: 60_000 }, () => {
  let stack: DemoStack;
  let a: DemoPage;

  beforeAll(async () => {
    stack = await startDemoStack();
    a = await stack.openReplica('A');
  }, 90_000);
  afterAll(() => stack?.close());

  const field = (name: string) => a.page.locator(`.trellis-devtools [data-field="${name}"]`);

  it('shows the panel behind a keyboard-operable toggle, following the demo sync', async () => {
    await a.addItem('Oat milk');
    await a.waitForBadge('live', { pending: 0 });
    const toggle = a.byTestId('devtools-toggle');
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    expect(await a.page.locator('.trellis-devtools').count()).toBe(0);
    await toggle.focus();
    await toggle.press('Enter');
    await expect.poll(() => field('phase').textContent(), { timeout: PATIENCE }).toBe('live');
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    expect(await field('replica-id').textContent()).toBe(await a.replicaId());
    expect(await field('pending').textContent()).toBe('0');
    await expect.poll(() => field('op-log').textContent(), { timeout: PATIENCE }).toContain('"Oat milk"');
    await a.screenshot('devtools-open');
    await toggle.press('Space');
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    expect(await a.page.locator('.trellis-devtools').count()).toBe(0);
  });
});

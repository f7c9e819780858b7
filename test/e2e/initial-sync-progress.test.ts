/**
 * A large library streams in with a progress bar. The test holds back the
 * snapshot's last chunk (the page's WebSocket is routed through Playwright,
 * everything else forwarded untouched) so the bar can be seen mid-way,
 * deterministically, then lets it through.
 */
import type { WebSocketRoute } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eSkipped, missingChromium } from './harness/chromium.js';
import { startDemoStack, type DemoStack } from './harness/demo-stack.js';
import { PATIENCE } from './harness/demo-page.js';
import { seedLibrary } from './harness/seed-library.js';

const LIBRARY = 'pantry-3000';
const COUNT = 3000;

/**
 * Routes the page's sockets to LIBRARY through Playwright. Server → page frames
 * pass through until a snapshot's last chunk; it and everything after it on
 * that socket wait for `release()`. Page → server frames always pass.
 */
function holdLastSnapshotChunk() {
  const releases: (() => void)[] = [];
  let released = false;
  let reached: () => void = () => {};
  const lastChunkArrived = new Promise<void>((resolve) => (reached = resolve));
  const route = (socket: WebSocketRoute) => {
    const server = socket.connectToServer();
    const held: string[] = [];
    let holding = false;
    socket.onMessage((frame) => server.send(frame));
    server.onMessage((frame) => {
      const text = String(frame);
      if (!released && !holding && text.includes('"type":"snapshot"') && (JSON.parse(text) as { done: boolean }).done) {
        holding = true;
        reached();
      }
      if (holding) held.push(text);
      else socket.send(text);
    });
    releases.push(() => {
      holding = false;
      for (const frame of held.splice(0)) socket.send(frame);
    });
  };
  return {
    route,
    lastChunkArrived,
    release() {
      released = true;
      for (const release of releases) release();
    },
  };
}

/** Rejects with `what` if `promise` has not settled within PATIENCE (a hang guard, not a timing assertion). */
function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`Gave up waiting: ${what}`)), PATIENCE)));
  return Promise.race([promise, guard]).finally(() => clearTimeout(timer));
}

describe.skipIf(e2eSkipped() || missingChromium() !== undefined)('the initial sync of a large library', { timeout: 90_000 }, () => {
  let stack: DemoStack;

  beforeAll(async () => {
    stack = await startDemoStack();
    await seedLibrary({ server: stack.server(), library: LIBRARY, count: COUNT });
  }, 120_000);
  afterAll(() => stack?.close());

  it(`shows a progress bar while ${COUNT.toLocaleString('en')} items stream in`, async () => {
    const d = await stack.openReplica('D');
    const held = holdLastSnapshotChunk();
    await d.page.routeWebSocket((url) => url.pathname.endsWith(`/parties/trellis/${LIBRARY}`), held.route);
    await d.join(LIBRARY);
    await within(held.lastChunkArrived, 'the last snapshot chunk');

    const progress = d.byTestId('progress');
    await progress.waitFor();
    const received = Number(await progress.getAttribute('data-received'));
    const total = Number(await progress.getAttribute('data-total'));
    expect(total).toBeGreaterThanOrEqual(COUNT);
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(total);
    expect(await progress.textContent()).toContain(`of ${total.toLocaleString('en')} changes`);
    await d.screenshot('initial-sync-progress');

    held.release();
    await d.waitForBadge('live', { pending: 0 });
    await progress.waitFor({ state: 'hidden' });
    await expect.poll(() => d.byTestId('summary').textContent(), { timeout: PATIENCE }).toBe(`${COUNT.toLocaleString('en')} items · ${Math.ceil(COUNT / 7)} done`);
    await d.screenshot('initial-sync-done');
  });
});

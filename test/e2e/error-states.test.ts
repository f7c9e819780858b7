/**
 * The states a person must be able to read: the sync server gone (and back),
 * and a token the server rejects. Changes made meanwhile are kept and synced
 * once things are right again.
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eSkipped, missingChromium } from './harness/chromium.js';
import { startDemoStack, type DemoStack } from './harness/demo-stack.js';
import type { DemoPage } from './harness/demo-page.js';

/** A well-formed token for `library`, signed with a secret the server does not know. */
async function forgedToken(library: string): Promise<string> {
  return new SignJWT({ lib: library, role: 'write' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject('mallory')
    .setAudience('trellis')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode('not-the-servers-secret'));
}

describe.skipIf(e2eSkipped() || missingChromium() !== undefined)('error states', { timeout: 60_000 }, () => {
  let stack: DemoStack;

  beforeAll(async () => {
    stack = await startDemoStack();
  }, 90_000);
  afterAll(() => stack?.close());

  it('says the sync server is unreachable, keeps changes meanwhile, and recovers when it is back', async () => {
    const e: DemoPage = await stack.openReplica('E');
    await e.addItem('Batteries');
    await e.waitForAcknowledged();
    await e.waitForBadge('live', { pending: 0 });

    await stack.stopServer();
    await e.waitForBadge('offline');
    const problem = e.byTestId('problem');
    await problem.waitFor();
    expect(await problem.getAttribute('data-kind')).toBe('unreachable');
    expect(await problem.textContent()).toContain('Can’t reach the sync server');
    await e.addItem('Light bulbs');
    await e.waitForBadge('offline', { pending: 1 });
    await e.screenshot('error-server-unreachable');

    // Sync keeps retrying by itself (the "Retry now" button only skips the wait).
    await stack.startServer();
    await e.waitForBadge('live', { pending: 0 });
    await problem.waitFor({ state: 'detached' });
    expect(await e.titles()).toEqual(['Batteries', 'Light bulbs']);
  });

  it('says so when the server rejects the sync token, and recovers with a good one', async () => {
    const f = await stack.openReplica('F', {
      waitForLive: false,
      setup: (context) =>
        context.route('**/dev/token?*', async (route) => {
          const library = new URL(route.request().url()).searchParams.get('library') ?? '';
          await route.fulfill({ json: { token: await forgedToken(library) } });
        }),
    });
    await f.waitForBadge('error');
    const problem = f.byTestId('problem');
    await problem.waitFor();
    expect(await problem.getAttribute('data-kind')).toBe('token');
    expect(await problem.textContent()).toContain('rejected');
    expect(await problem.textContent()).toContain('AUTH_TOKEN_INVALID');
    await f.addItem('Stamps');
    await f.screenshot('error-token-rejected');

    // "Retry now" starts over at once; with the same bad token the answer is the same.
    await f.byTestId('retry').click();
    await f.waitForBadge('error');
    expect(await problem.getAttribute('data-kind')).toBe('token');

    await f.context.unrouteAll();
    await f.waitForBadge('live', { pending: 0 });
    await problem.waitFor({ state: 'detached' });
  });
});

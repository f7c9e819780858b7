/**
 * "Join library" with local changes at stake: the consent dialog counts them,
 * offers a download, cancelling keeps everything, and joining archives them
 * (downloadable, re-appliable) before the library's list replaces this one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eSkipped, missingChromium } from './harness/chromium.js';
import { startDemoStack, type DemoStack } from './harness/demo-stack.js';
import { PATIENCE, type DemoPage } from './harness/demo-page.js';

const OWN = ['Birthday candles', 'Wrapping paper', 'Balloons'];
const SHARED = ['Dish soap', 'Bin bags'];

describe.skipIf(e2eSkipped() || missingChromium() !== undefined)('joining a library with local changes', { timeout: 60_000 }, () => {
  let stack: DemoStack;
  let a: DemoPage;
  let c: DemoPage;
  let library: string;

  beforeAll(async () => {
    stack = await startDemoStack();
    [a, c] = await Promise.all([stack.openReplica('A'), stack.openReplica('C')]);
    for (const title of SHARED) await a.addItem(title);
    await a.waitForBadge('live', { pending: 0 });
    library = await a.libraryCode();
    // C works with sync paused, so its items never reach a server: a join would replace them.
    await c.byTestId('pause').check();
    await c.waitForBadge('paused');
    for (const title of OWN) await c.addItem(title);
  }, 90_000);
  afterAll(() => stack?.close());

  it('asks first, saying how many changes would be replaced, and offers them as a download', async () => {
    await c.join(library);
    const dialog = c.byTestId('consent-dialog');
    await dialog.waitFor();
    expect(await c.byTestId('consent-count').getAttribute('data-count')).toBe(String(OWN.length));
    expect(await c.byTestId('consent-join').textContent()).toContain(`${OWN.length} changes`);
    await c.screenshot('join-consent-dialog');

    const { filename, text } = await c.download(c.byTestId('consent-download'));
    expect(filename).toMatch(/\.json$/);
    const exported = JSON.parse(text) as { items: { title: string }[]; unsyncedChanges: number };
    expect(exported.items.map((item) => item.title)).toEqual(OWN);
    expect(exported.unsyncedChanges).toBe(OWN.length);
    expect(await dialog.isVisible()).toBe(true);
  });

  it('keeps everything on this device when the person cancels', async () => {
    await c.byTestId('consent-cancel').click();
    await c.byTestId('consent-dialog').waitFor({ state: 'hidden' });
    await c.byTestId('join-banner').waitFor();
    await c.waitForBadge('join');
    expect(await c.titles()).toEqual(OWN);
    expect(await c.byTestId('archive').count()).toBe(0);
    await c.screenshot('join-cancelled');
  });

  it('archives the local changes and shows the library once the person accepts', async () => {
    const replicaBefore = await c.replicaId();
    await c.byTestId('review-join').click();
    await c.byTestId('consent-join').click();
    await c.waitForBadge('live', { pending: 0 });
    await expect.poll(() => c.titles(), { timeout: PATIENCE }).toEqual(SHARED);
    expect(await c.libraryCode()).toBe(library);
    expect(await c.replicaId()).not.toBe(replicaBefore);
    // Why the id changed, next to it: the join took the library's history; the old id's changes are archived.
    const note = (await c.byTestId('replica-note').textContent()) ?? '';
    expect(note).toContain('new replica ID because it joined the history of library');
    expect(note).toContain(`it was ${replicaBefore}`);
    expect(note).toContain(`${OWN.length} unsynced changes moved to the archive`);

    const archive = c.byTestId('archive');
    await archive.waitFor();
    expect(await archive.getAttribute('data-changes')).toBe(String(OWN.length));
    for (const title of OWN) expect(await archive.textContent()).toContain(title);
    await c.screenshot('join-accepted-archive');

    const { text } = await c.download(c.byTestId('archive-download'));
    const exported = JSON.parse(text) as { format: string; archive: { ops: { change: { value?: { title?: string } } }[] } };
    expect(exported.format).toBe('trellis-archive');
    expect(exported.archive.ops.map((op) => op.change.value?.title)).toEqual(OWN);
    // The library itself never saw C's items.
    expect(await a.titles()).toEqual(SHARED);
  });

  it('re-applies the archive as new changes that reach the library', async () => {
    await c.byTestId('archive-reapply').click();
    await expect.poll(() => c.titles(), { timeout: PATIENCE }).toEqual([...SHARED, ...OWN]);
    await expect.poll(() => a.titles(), { timeout: PATIENCE }).toEqual([...SHARED, ...OWN]);
    await c.waitForBadge('live', { pending: 0 });
    await c.screenshot('join-reapplied');
  });

  it('can go back to its own library instead, where its changes then sync', async () => {
    const g = await stack.openReplica('G');
    const own = await g.libraryCode();
    await g.byTestId('pause').check();
    await g.addItem('Picture hooks');
    await g.join(library);
    await g.byTestId('consent-cancel').click();
    await g.byTestId('go-back').click();
    await g.byTestId('library-code').filter({ hasText: own }).waitFor();
    await g.waitForBadge('live', { pending: 0 });
    expect(await g.titles()).toEqual(['Picture hooks']);
    expect(await g.byTestId('archive').count()).toBe(0);
    await g.screenshot('join-went-back');
  });
});

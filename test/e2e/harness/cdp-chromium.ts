/**
 * Chromium for tests that freeze pages. Playwright turns on focus emulation in
 * every page it creates, which keeps the page "visible", and Chromium does not
 * freeze a visible page: CDP `Page.setWebLifecycleState` then succeeds and
 * does nothing. So this starts Chromium itself, with a DevTools port, and
 * connects with `noDefaults`: pages of the default context get no overrides,
 * and freeze for real (hidden, timers stopped, `freeze`/`resume` events).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { chromiumPath, missingChromium, setupError } from './chromium.js';

export interface FreezableChromium {
  readonly browser: Browser;
  /** The default context: its pages can be frozen. */
  readonly context: BrowserContext;
  close(): Promise<void>;
}

export async function launchFreezableChromium(): Promise<FreezableChromium> {
  const missing = missingChromium();
  if (missing) throw setupError('ChromiumNotFound', missing);
  const profile = mkdtempSync(join(tmpdir(), 'trellis-chromium-'));
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
  // Its own process group: Chromium's helper processes (renderers, zygote) go with it.
  const child = spawn(chromiumPath(), [...args, '--remote-debugging-port=0', `--user-data-dir=${profile}`, 'about:blank'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
    await exited;
    // A helper process may still be flushing the profile for a moment after the group is killed.
    rmSync(profile, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
  };
  try {
    const endpoint = await new Promise<string>((resolve, reject) => {
      let seen = '';
      child.stderr.on('data', (chunk: Buffer) => {
        seen += String(chunk);
        const match = /DevTools listening on (ws:\/\/\S+)/.exec(seen);
        if (match) resolve(match[1] as string);
      });
      child.once('exit', (code) => reject(new Error(`Chromium exited (${code}) before listening: ${seen.slice(0, 300)}`)));
      setTimeout(() => reject(new Error('Chromium did not open its DevTools port within 20 s')), 20_000);
    });
    const browser = await chromium.connectOverCDP(endpoint, { noDefaults: true });
    const context = browser.contexts()[0] as BrowserContext;
    return {
      browser,
      context,
      close: async () => {
        // Connected over CDP, close() only disconnects: the process is ours to end.
        await browser.close().catch(() => undefined);
        await stop();
      },
    };
  } catch (err) {
    await stop();
    throw setupError('ChromiumFailedToStart', `Chromium at ${chromiumPath()} did not start for CDP: ${String((err as Error).message ?? err)}`);
  }
}

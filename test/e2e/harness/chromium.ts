/**
 * Which Chromium the browser tests drive, and the one clear message when it
 * is missing. Set TRELLIS_CHROMIUM to a Chrome/Chromium binary (default
 * /usr/bin/chromium, Debian's `chromium` package); TRELLIS_SKIP_E2E=1 skips
 * the browser tests.
 */
import { accessSync, constants } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_ENV = 'TRELLIS_CHROMIUM';
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

export const chromiumPath = (env: NodeJS.ProcessEnv = process.env) => env[CHROMIUM_ENV] || DEFAULT_CHROMIUM;
export const e2eSkipped = (env: NodeJS.ProcessEnv = process.env) => env.TRELLIS_SKIP_E2E === '1';

/** Why the browser tests cannot run, or undefined when Chromium is there. */
export function missingChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const path = chromiumPath(env);
  try {
    accessSync(path, constants.X_OK);
    return undefined;
  } catch {
    return (
      `No Chromium at ${path} for the browser end-to-end tests. ` +
      `Install it (Debian/Ubuntu: apt-get install -y chromium) or set ${CHROMIUM_ENV} to a Chrome or Chromium binary ` +
      `(e.g. ${CHROMIUM_ENV}=/usr/bin/google-chrome npm test). TRELLIS_SKIP_E2E=1 skips the browser tests.`
    );
  }
}

/** An error that vitest prints as its message alone: these are setup problems, not code paths to debug. */
export function setupError(name: string, message: string): Error {
  const err = new Error(message);
  err.name = name;
  err.stack = `${name}: ${message}`;
  return err;
}

export async function launchChromium(): Promise<Browser> {
  const missing = missingChromium();
  if (missing) throw setupError('ChromiumNotFound', missing);
  const executablePath = chromiumPath();
  try {
    return await chromium.launch({
      executablePath,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  } catch (err) {
    const first = String((err as Error).message ?? err).split('\n')[0];
    throw setupError('ChromiumFailedToStart', `Chromium at ${executablePath} did not start: ${first}. Point ${CHROMIUM_ENV} at a working Chrome/Chromium.`);
  }
}

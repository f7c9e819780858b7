import { describe, expect, it } from 'vitest';
import { CHROMIUM_ENV, chromiumPath, e2eSkipped, missingChromium, setupError } from './harness/chromium.js';

describe('the browser tests’ Chromium', () => {
  // The one place a missing browser fails the run; the other e2e files skip without it.
  it.skipIf(e2eSkipped())(`is installed (${CHROMIUM_ENV}, default /usr/bin/chromium)`, () => {
    const missing = missingChromium();
    if (missing) throw setupError('ChromiumNotFound', missing);
  });

  it('is found through TRELLIS_CHROMIUM, and a missing one is explained in one message', () => {
    expect(chromiumPath({})).toBe('/usr/bin/chromium');
    expect(chromiumPath({ TRELLIS_CHROMIUM: '/opt/chrome/chrome' })).toBe('/opt/chrome/chrome');
    const message = missingChromium({ TRELLIS_CHROMIUM: '/nonexistent/chromium' });
    expect(message).toContain('/nonexistent/chromium');
    expect(message).toContain('TRELLIS_CHROMIUM');
    expect(message).toContain('apt-get install -y chromium');
    expect(message).toContain('TRELLIS_SKIP_E2E=1');
    expect(message).not.toContain('\n');
  });
});

import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createSync } from 'trellis/sync';
import { testDatabase } from '../helpers/open-test-store.js';
import { startTestServer } from '../helpers/sync-harness.js';
import { filter, firstValueFrom, timeout } from 'rxjs';

describe('a token endpoint that fails', () => {
  it('getToken rejecting twice is reported as SYNC_TOKEN_UNAVAILABLE, sync retries, and goes live once a token comes', async () => {
    const server = await startTestServer();
    const store = await testDatabase().open();
    const token = await server.token('lib-token');
    let calls = 0;
    const getToken = async () => {
      calls++;
      if (calls <= 2) throw new Error('token endpoint down');
      return token;
    };
    const sync = createSync(store, { url: server.url, library: 'lib-token', getToken, WebSocket });
    const reported = await firstValueFrom(sync.state.pipe(filter((s) => s.error !== undefined), timeout(10_000)));
    expect(reported.error?.code).toBe('SYNC_TOKEN_UNAVAILABLE');
    expect(reported.error?.message).toContain('token endpoint down');
    const live = await firstValueFrom(sync.state.pipe(filter((s) => s.phase === 'live'), timeout(10_000)));
    expect(calls).toBe(3);
    // Going live clears the error.
    expect(live.error).toBeUndefined();
    await sync.stop();
    await store.close();
    await server.dispose();
  });
});

/** createSync's `transport` option: the three accepted shapes, and anything else refused before anything starts. */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from 'trellis';
import { createSync } from 'trellis/sync';
import { testDatabase } from '../../helpers/open-test-store.js';

describe('createSync transport option', () => {
  it.each([['ws'], ['HTTP'], [''], [42], [{}]])('refuses %j with INVALID_ARGUMENT, starting nothing', async (transport) => {
    const store = await testDatabase().open();
    expect(() => createSync(store, { url: 'ws://127.0.0.1:1/parties/trellis', library: 'lib', token: 't', transport: transport as never })).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT, message: expect.stringContaining('`transport`') }),
    );
    await store.close();
  });
});

import { describe, expect, test } from 'vitest';
import { parseCliArgs } from '../../../src/server/node/cli-args.js';

describe('trellis-server flags', () => {
  test('defaults', () => {
    expect(parseCliArgs([])).toEqual({
      help: false,
      port: 3242,
      host: '127.0.0.1',
      dbPath: './trellis.sqlite',
      secret: undefined,
      truancyMs: 30 * 86_400_000,
      durability: 'normal',
    });
  });

  test('every flag', () => {
    const argv = ['--port', '0', '--host', '0.0.0.0', '--db', '/tmp/x.sqlite', '--secret', 'S', '--truancy', '12h', '--full-sync'];
    expect(parseCliArgs(argv)).toEqual({ help: false, port: 0, host: '0.0.0.0', dbPath: '/tmp/x.sqlite', secret: 'S', truancyMs: 12 * 3_600_000, durability: 'full' });
  });

  test('the secret may come from TRELLIS_SECRET', () => {
    expect(parseCliArgs([], { TRELLIS_SECRET: 'from-env' }).secret).toBe('from-env');
    expect(parseCliArgs(['--secret', 'flag'], { TRELLIS_SECRET: 'from-env' }).secret).toBe('flag');
  });

  test.each([
    [['--bogus'], /bogus/],
    [['--port', 'abc'], /--port/],
    [['--port', '70000'], /--port/],
    [['--truancy', 'forever'], /--truancy/],
    [['--secret', ''], /--secret/],
    [['positional'], /positional|Unexpected argument/],
    [['--port'], /--port/],
  ])('%j is CLI_INVALID_FLAG', (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(expect.objectContaining({ code: 'CLI_INVALID_FLAG', message: expect.stringMatching(message) }));
  });
});

import { describe, expect, test } from 'vitest';
import { DEFAULT_LIMITS } from 'trellis/server';
import { USAGE, parseCliArgs } from '../../../src/server/node/cli-args.js';
import { LIMIT_FLAGS } from '../../../src/server/node/limit-flags.js';

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

describe('limit flags', () => {
  test('every server limit has a flag, listed in --help with its default', () => {
    for (const key of Object.keys(DEFAULT_LIMITS)) {
      const spec = LIMIT_FLAGS[key as keyof typeof LIMIT_FLAGS];
      expect(spec, key).toBeDefined();
      expect(USAGE).toContain(`--${spec.flag} <`);
    }
    expect(USAGE).toMatch(/--max-clock-ahead <d>\s+.*\(default off\)/);
    expect(USAGE).toMatch(/--max-socket-queue <size>\s+.*\(default 8m\)/);
  });

  test('sizes in bytes or k/m/g, counts, and durations in milliseconds; only the flags given are set', () => {
    const argv = [
      '--max-clock-ahead', '1d',
      '--max-socket-queue', '4m',
      '--max-frame-size', '1048576',
      '--max-seed-size', '16MiB',
      '--max-connections-per-user', '8',
      '--max-bad-frames', '0',
      '--max-uploads', '2',
      '--max-uploads-per-user', '1',
    ];
    expect(parseCliArgs(argv)).toMatchObject({
      limits: {
        maxClockAheadMs: 86_400_000,
        maxSocketQueueBytes: 4 * 1024 * 1024,
        maxFrameBytes: 1_048_576,
        maxSeedBytes: 16 * 1024 * 1024,
        maxConnectionsPerUser: 8,
        maxBadFrames: 0,
      },
      maxUploads: 2,
      maxUploadsPerUser: 1,
    });
    expect(Object.keys(parseCliArgs(['--message-burst', '10']).limits ?? {})).toEqual(['messageBurst']);
  });

  test.each([
    [['--max-socket-queue', 'lots'], '--max-socket-queue'],
    [['--max-ops-per-push', '1001'], '--max-ops-per-push'],
    [['--max-frame-size', '1048577'], '--max-frame-size'],
    [['--chunk-size', '2m'], '--chunk-size'],
    [['--max-connections-per-user', '0'], '--max-connections-per-user'],
    [['--max-messages-per-second', '1.5'], '--max-messages-per-second'],
    [['--max-bad-frames', '-1'], '--max-bad-frames'],
    [['--max-clock-ahead', 'soon'], '--max-clock-ahead'],
    [['--max-uploads', ''], '--max-uploads'],
    [['--max-clock-ahead'], '--max-clock-ahead'],
  ])('%j is CLI_INVALID_FLAG naming the flag', (argv, flag) => {
    expect(() => parseCliArgs(argv)).toThrow(expect.objectContaining({ code: 'CLI_INVALID_FLAG', message: expect.stringContaining(flag) }));
  });
});

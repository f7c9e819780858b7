import { describe, expect, test } from 'vitest';
import { parseCliArgs } from '../../../src/server/node/cli-args.js';

describe('trellis-server peering flags', () => {
  test('--peer is repeatable and --peer-libraries limits every peer', () => {
    const argv = ['--peer', 'ws://a:3242/parties/trellis', '--peer', 'wss://b.example/parties/trellis', '--peer-libraries', 'team-1, team-2'];
    expect(parseCliArgs(argv).peers).toEqual([
      { url: 'ws://a:3242/parties/trellis', libraries: ['team-1', 'team-2'] },
      { url: 'wss://b.example/parties/trellis', libraries: ['team-1', 'team-2'] },
    ]);
  });

  test('without --peer-libraries a peer replicates every library; without --peer there are no peers', () => {
    expect(parseCliArgs(['--peer', 'ws://a:1/parties/trellis']).peers).toEqual([{ url: 'ws://a:1/parties/trellis' }]);
    expect(parseCliArgs([]).peers).toBeUndefined();
  });

  test.each([
    [['--peer', 'http://a:1/parties/trellis'], /--peer must be a ws:\/\/ or wss:\/\/ URL/],
    [['--peer', ''], /--peer must be/],
    [['--peer-libraries', 'a'], /needs at least one --peer/],
    [['--peer', 'ws://a:1', '--peer-libraries', 'a,,b'], /library names separated by commas/],
  ])('%j is refused: %s', (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(message);
  });
});

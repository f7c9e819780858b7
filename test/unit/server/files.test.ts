import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseCliArgs } from '../../../src/server/node/cli-args.js';
import { createDirectoryStorage } from '../../../src/server/node/node-files.js';

describe('file flags', () => {
  test('--files, --max-file-size and --file-grace', () => {
    expect(parseCliArgs(['--files', './data/files', '--max-file-size', '5m', '--file-grace', '2h'])).toMatchObject({
      filesDir: './data/files',
      maxFileSize: 5 * 1024 * 1024,
      fileGraceMs: 2 * 3_600_000,
    });
    expect(parseCliArgs(['--max-file-size', '1000']).maxFileSize).toBe(1000);
    expect(parseCliArgs([])).not.toHaveProperty('filesDir');
  });

  test.each([
    [['--max-file-size', 'lots'], /--max-file-size/],
    [['--max-file-size', '0'], /--max-file-size/],
    [['--file-grace', 'soon'], /--file-grace/],
    [['--files', ''], /--files/],
  ])('%j is refused', (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(message);
  });
});

describe('directory file storage', () => {
  test('stores, lists and deletes per library, and refuses ids that would leave its folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trellis-files-unit-'));
    try {
      const storage = createDirectoryStorage(dir);
      await storage.put({ library: '../lib', id: 'f1', bytes: new Uint8Array([1, 2, 3]) });
      expect(await storage.get({ library: '../lib', id: 'f1' })).toEqual(new Uint8Array([1, 2, 3]));
      expect(await storage.get({ library: 'other', id: 'f1' })).toBeUndefined();
      expect(await storage.list('../lib')).toEqual([{ id: 'f1', size: 3 }]);
      expect(await storage.list('never')).toEqual([]);
      await expect(storage.get({ library: 'lib', id: '../../etc/passwd' })).rejects.toThrow(/unsafe file id/);
      await storage.delete({ library: '../lib', id: 'f1' });
      expect(await storage.list('../lib')).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** maxSeedBytes counts the UTF-8 bytes of the seed frames, as SECURITY.md states it, not their UTF-16 length. */
import { describe, expect, test } from 'vitest';
import { ErrorCode } from 'trellis';
import { createFakeServer } from '../../helpers/fake-sync-server.js';
import { wireOps } from '../../helpers/wire-ops.js';

describe('seed size', () => {
  test('a seed of CJK text within maxSeedBytes in UTF-16 units but over it in UTF-8 bytes is refused; the same in ASCII is stored', () => {
    const limit = 10_000;
    const seed = (text: string) => ({ type: 'seed' as const, baselines: [], ops: wireOps('A', 1, 1, { change: { kind: 'put', value: { text } } }), done: true });
    // About 4,000 UTF-16 units, about 12,000 UTF-8 bytes.
    const fake = createFakeServer({ limits: { maxSeedBytes: limit } });
    const a = fake.connect('lib');
    a.hello({ replicaId: 'A', localSeq: 1, atRisk: 1 });
    a.send(seed('漢'.repeat(3800)));
    expect(a.take('error')).toMatchObject({ code: ErrorCode.SERVER_LIMIT_EXCEEDED });
    expect(fake.sql.exec('SELECT COUNT(*) AS n FROM ops')).toEqual([{ n: 0 }]);
    a.send(seed('x'.repeat(3800)));
    expect(a.take('synced')).toEqual({ type: 'synced', serverSeq: 1 });
  });
});

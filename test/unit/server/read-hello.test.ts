/** Reading creates no state: a read-token hello on a library the server does not know writes nothing. */
import { describe, expect, test } from 'vitest';
import { createFakeServer } from '../../helpers/fake-sync-server.js';
import { wireOps } from '../../helpers/wire-ops.js';

const libraries = (fake: ReturnType<typeof createFakeServer>) => fake.sql.exec('SELECT * FROM libraries ORDER BY library');

describe('a read-token hello', () => {
  test('read hellos on 50 unknown libraries leave the libraries table unchanged, each answered resume with nothing', () => {
    const fake = createFakeServer();
    const before = libraries(fake);
    for (let i = 0; i < 50; i++) {
      const reader = fake.connect(`unknown-${i}`, `read:unknown-${i}:reader`);
      expect(reader.hello({ replicaId: `R${i}` })).toMatchObject({ decision: 'resume', serverSeq: 0, horizon: 0, replicaSeq: 0 });
      expect(reader.take('synced')).toEqual({ type: 'synced', serverSeq: 0 });
      reader.send({ type: 'cursor', serverSeq: 0 });
      reader.disconnect();
    }
    expect(libraries(fake)).toEqual(before);
    expect(fake.sql.exec('SELECT COUNT(*) AS n FROM replicas')).toEqual([{ n: 0 }]);
    expect(fake.server.stats().libraries).toBe(0);
  });

  test('a writer can still create a library a reader is connected to, and the reader is told it was seeded', () => {
    const fake = createFakeServer();
    const reader = fake.connect('lib', 'read:lib:reader');
    expect(reader.hello({ replicaId: 'R' }).decision).toBe('resume');
    const writer = fake.connect('lib', 'write:lib:writer');
    const accept = writer.hello({ replicaId: 'W', localSeq: 1, atRisk: 1 });
    expect(accept.decision).toBe('accept');
    writer.send({ type: 'seed', baselines: [], ops: wireOps('W', 1, 1), done: true });
    expect(writer.take('synced')).toEqual({ type: 'synced', serverSeq: 1 });
    expect(libraries(fake)).toMatchObject([{ library: 'lib', epoch: accept.epoch, head_seq: 1 }]);
    expect(reader.closedWith?.code).toBe(4006);
  });
});

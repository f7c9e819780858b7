/**
 * Writes at the op size limit, by real clients (issue 14, defects 3 and 4):
 * the store refuses exactly what the server would, pushes are cut by UTF-8
 * bytes, and every write the store accepts reaches every replica.
 */
import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from 'trellis';
import { MAX_OP_BYTES, opBytes } from 'trellis/protocol';
import { getStoreHost } from '../../src/store/index.js';
import { allTodos, eventually, openReplica, type TestReplica } from '../helpers/sync-harness.js';
import { servers } from '../helpers/servers.js';

const CJK = '漢'; // 3 bytes in UTF-8, 1 UTF-16 unit
const EMOJI = '😀'; // 4 bytes in UTF-8, 2 UTF-16 units

/** The UTF-8 bytes of the op of `replica`'s last write to `id`. */
async function lastOpBytes(replica: TestReplica, id: string): Promise<number> {
  const { ops } = await getStoreHost(replica.store).exportHistory();
  const op = ops.filter((o) => o.id === id).at(-1);
  if (op === undefined) throw new Error(`no op for ${id}`);
  return opBytes(op);
}

/** Bytes of a put of `id` with an empty title: what a title adds to is measured, never guessed. */
async function emptyTitleBytes(replica: TestReplica, id: string): Promise<number> {
  await replica.store.collection('todos').put({ id, title: '', createdAt: 1 });
  return lastOpBytes(replica, id);
}

/** The server acknowledged every write (the store holds no unacknowledged op), and the state says so. */
async function pendingIsZero(replica: TestReplica): Promise<void> {
  await replica.settle();
  await replica.waitFor((s) => s.phase === 'live' && s.pending === 0);
}

describe.each(servers)('writes at the op size limit ($name)', (factory) => {
  it('an op of exactly MAX_OP_BYTES is stored, reaches a live replica and a late joiner; one byte more is refused at write', async () => {
    const server = await factory.start();
    const writer = await openReplica(server, 'big');
    await writer.settle();
    const live = await openReplica(server, 'big');
    await live.settle();

    // Same id length and seq digits as the probe: only the title's length differs.
    const base = await emptyTitleBytes(writer, 'probe');
    const title = 'y'.repeat(MAX_OP_BYTES - base);
    await writer.store.collection('todos').put({ id: 'exact', title, createdAt: 1 });
    expect(await lastOpBytes(writer, 'exact')).toBe(MAX_OP_BYTES);
    await expect(writer.store.collection('todos').put({ id: 'over1', title: `${title}y`, createdAt: 1 })).rejects.toMatchObject({
      code: ErrorCode.SCHEMA_VIOLATION,
      details: { bytes: MAX_OP_BYTES + 1, limit: MAX_OP_BYTES },
    });
    expect(await firstValueFrom(writer.store.collection('todos').get('over1'))).toBeUndefined();

    await pendingIsZero(writer);
    await eventually(live.store.collection('todos').get('exact'), (doc) => doc?.title === title);
    const late = await openReplica(server, 'big');
    await late.settle();
    expect((await allTodos(late)).map((t) => t.id)).toEqual(['exact', 'probe']);
    expect(await allTodos(late)).toEqual(await allTodos(writer));
    await Promise.all([writer.close(), live.close(), late.close()]);
  });

  it('three writes of 170,000 CJK characters each (510 kB in UTF-8) sync to another replica and pending drops to 0', async () => {
    const server = await factory.start();
    const writer = await openReplica(server, 'cjk');
    // The library gets history, so that a reconnect resumes and pushes (an empty library would be seeded again).
    await writer.store.collection('todos').put({ id: 'first', title: 'first', createdAt: 0 });
    await writer.settle();
    const reader = await openReplica(server, 'cjk');
    await reader.settle();
    const titles = ['a', 'b', 'c'].map((tag) => tag + CJK.repeat(170_000));
    // Written offline, so that the reconnect pushes all three at once.
    await writer.sync.stop();
    for (const [i, title] of titles.entries()) await writer.store.collection('todos').put({ id: `cjk-${i}`, title, createdAt: i });
    writer.connect();
    await pendingIsZero(writer);
    await eventually(reader.store.collection('todos').find(), (docs) => docs.length === 4);
    expect((await allTodos(reader)).map((t) => t.title)).toEqual([...titles, 'first']);
    await Promise.all([writer.close(), reader.close()]);
  });

  it('writes of CJK, astral emoji and mixed text just under MAX_OP_BYTES each sync to another replica and pending drops to 0', async () => {
    const server = await factory.start();
    const writer = await openReplica(server, 'astral');
    await writer.store.collection('todos').put({ id: 'first', title: 'first', createdAt: 0 });
    await writer.settle();
    const reader = await openReplica(server, 'astral');
    await reader.settle();
    const base = await emptyTitleBytes(writer, 'edge-0');
    const room = MAX_OP_BYTES - base; // bytes a title may take in these ops
    const titles = [
      CJK.repeat(Math.floor(room / 3)),
      EMOJI.repeat(Math.floor(room / 4)),
      `${EMOJI}${CJK}é`.repeat(Math.floor(room / 9)),
    ];
    await writer.sync.stop();
    for (const [i, title] of titles.entries()) {
      await writer.store.collection('todos').put({ id: `edge-${i}`, title, createdAt: 1 });
      expect(MAX_OP_BYTES - (await lastOpBytes(writer, `edge-${i}`))).toBeLessThan(9);
    }
    writer.connect();
    await pendingIsZero(writer);
    await eventually(reader.store.collection('todos').find(), (docs) => docs.length === 4 && docs.every((d) => d.title !== ''));
    expect((await allTodos(reader)).map((t) => t.title)).toEqual([...titles, 'first']);
    await Promise.all([writer.close(), reader.close()]);
  });
});

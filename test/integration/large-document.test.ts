import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { openReplica, type TestReplica } from '../helpers/sync-harness.js';
import { servers } from '../helpers/servers.js';

const ITEM = 400_000;
const TAGS = ['x', 'y', 'z'].map((c) => c.repeat(ITEM));

/** A todo whose state passes 1 MiB: three list items of 400 kB. */
async function writeLargeTodo(replica: TestReplica): Promise<void> {
  const todos = replica.store.collection('todos');
  await todos.put({ id: 'big', title: 'Large', createdAt: 1 });
  await todos.put({ id: 'small', title: 'Small', createdAt: 2 });
  for (const tag of TAGS) await todos.listPush('big', 'tags', tag);
}

async function expectBothDocuments(replica: TestReplica): Promise<void> {
  const big = await firstValueFrom(replica.store.collection('todos').get('big'));
  expect(big?.tags.map((tag) => [tag[0], tag.length])).toEqual(TAGS.map((tag) => [tag[0], ITEM]));
  expect((await firstValueFrom(replica.store.collection('todos').get('small')))?.title).toBe('Small');
}

describe.each(servers)('a document larger than one frame ($name)', (factory) => {
  it('a document whose compacted state passes 1 MiB reaches a late joiner after the server compacted', async () => {
    const server = await factory.start();
    const writer = await openReplica(server, 'big-docs');
    await writer.settle();
    await writeLargeTodo(writer);
    await writer.settle();
    const [result] = await server.compact('big-docs');
    expect(result?.horizon).toBeGreaterThanOrEqual(5);
    expect(await server.query('big-docs', "SELECT id FROM baselines WHERE library = 'big-docs' ORDER BY id")).toEqual([{ id: 'small' }]);

    const late = await openReplica(server, 'big-docs');
    await late.settle();
    await expectBothDocuments(late);
    await late.close();
    await writer.close();
  });

  it('a store that compacted such a document before it ever synced seeds an empty library with it, as ops', async () => {
    const server = await factory.start();
    const seeder = await openReplica(server, 'seeded', { connect: false });
    await writeLargeTodo(seeder);
    expect((await seeder.store.compact()).squashed).toBe(5);
    seeder.connect();
    await seeder.settle();
    expect(await server.query('seeded', "SELECT id FROM baselines WHERE library = 'seeded' ORDER BY id")).toEqual([{ id: 'small' }]);

    const late = await openReplica(server, 'seeded');
    await late.settle();
    await expectBothDocuments(late);
    await late.close();
    await seeder.close();
  });
});

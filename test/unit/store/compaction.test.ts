import fc from 'fast-check';
import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { openTestStore, testDatabase } from '../../helpers/open-test-store.js';
import { rawOps } from '../../helpers/raw-tables.js';

type Store = Awaited<ReturnType<typeof openTestStore>>;

const action = fc.oneof(
  fc.record({ kind: fc.constant('put' as const), id: fc.constantFrom('a', 'b', 'c'), n: fc.integer({ min: 0, max: 9 }) }),
  fc.record({ kind: fc.constant('update' as const), id: fc.constantFrom('a', 'b', 'c'), n: fc.integer({ min: 0, max: 9 }) }),
  fc.record({ kind: fc.constant('push' as const), id: fc.constantFrom('a', 'b', 'c'), n: fc.integer({ min: 0, max: 9 }) }),
  fc.record({ kind: fc.constant('delete' as const), id: fc.constantFrom('a', 'b', 'c'), n: fc.constant(0) }),
  fc.record({ kind: fc.constant('compact' as const), id: fc.constant(''), n: fc.constant(0) }),
);

async function perform(store: Store, a: { kind: string; id: string; n: number }): Promise<void> {
  const todos = store.collection('todos');
  if (a.kind === 'compact') return void (await store.compact());
  const exists = (await firstValueFrom(todos.get(a.id))) !== undefined;
  if (a.kind === 'put') await todos.put({ id: a.id, title: `t${a.n}`, createdAt: a.n, done: a.n % 2 === 0 });
  else if (!exists) return;
  else if (a.kind === 'update') await todos.update(a.id, { createdAt: a.n, meta: { color: `c${a.n}` } });
  else if (a.kind === 'push') await todos.listPush(a.id, 'tags', `g${a.n}`);
  else if (a.kind === 'delete') await todos.delete(a.id);
}

describe('compaction', () => {
  it('keeps every query result identical, at any point and after reopen', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { maxLength: 25 }), async (actions) => {
        const db = testDatabase();
        const store = await db.open();
        const queries = () =>
          Promise.all([
            firstValueFrom(store.collection('todos').find({ orderBy: 'id' })),
            firstValueFrom(store.collection('todos').find({ where: { done: true }, orderBy: ['createdAt', 'desc'] })),
          ]);
        for (const a of actions) await perform(store, a);
        const before = await queries();
        await store.compact();
        expect(await queries()).toEqual(before);
        expect(await rawOps(db)).toHaveLength(0);
        await store.close();
        const reopened = await db.open();
        await perform(reopened, { kind: 'push', id: 'a', n: 1 });
        await reopened.close();
      }),
      { numRuns: 25 },
    );
  });
});

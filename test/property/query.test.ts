import fc from 'fast-check';
import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { openTestStore } from '../helpers/open-test-store.js';

type Doc = { id: string; title: string; done: boolean; createdAt: number };

const doc = fc.record({
  id: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'),
  title: fc.constantFrom('apple', 'apricot', 'bread', 'brie', 'cheese'),
  done: fc.boolean(),
  createdAt: fc.integer({ min: 0, max: 5 }),
});

const range = <T>(value: fc.Arbitrary<T>) =>
  fc.oneof(
    value,
    fc.record({ gt: value }),
    fc.record({ gte: value }),
    fc.record({ lt: value }),
    fc.record({ gte: value, lt: value }),
    fc.record({ gt: value, lte: value }),
  );

const query = fc.record(
  {
    where: fc.record(
      {
        done: fc.boolean(),
        createdAt: range(fc.integer({ min: 0, max: 5 })),
        title: fc.oneof(fc.constantFrom('apple', 'brie'), fc.record({ startsWith: fc.constantFrom('a', 'ap', 'b', 'x') })),
        id: range(fc.constantFrom('b', 'd', 'f')),
      },
      { requiredKeys: [] },
    ),
    orderBy: fc.oneof(
      fc.constantFrom('createdAt' as const, 'title' as const, 'id' as const),
      fc.tuple(fc.constantFrom('createdAt' as const, 'id' as const), fc.constantFrom('asc' as const, 'desc' as const)),
    ),
    limit: fc.integer({ min: 0, max: 6 }),
  },
  { requiredKeys: [] },
);

function holds(value: unknown, condition: unknown): boolean {
  if (typeof condition !== 'object' || condition === null) return value === condition;
  const c = condition as Record<string, any>;
  const v = value as any;
  return (
    (c.startsWith === undefined || (typeof v === 'string' && v.startsWith(c.startsWith))) &&
    (c.gt === undefined || v > c.gt) &&
    (c.gte === undefined || v >= c.gte) &&
    (c.lt === undefined || v < c.lt) &&
    (c.lte === undefined || v <= c.lte)
  );
}

/** The obviously correct answer: filter, sort (ties by id), slice. */
interface Query {
  where?: Record<string, unknown>;
  orderBy?: string | readonly [string, 'asc' | 'desc'];
  limit?: number;
}

function reference(docs: Doc[], q: Query): string[] {
  const where = (q.where ?? {}) as Record<string, unknown>;
  let out = docs.filter((d) => Object.entries(where).every(([field, c]) => holds(d[field as keyof Doc], c)));
  out.sort((x, y) => (x.id < y.id ? -1 : 1));
  if (q.orderBy !== undefined) {
    const [field, direction] = Array.isArray(q.orderBy) ? q.orderBy : [q.orderBy, 'asc'];
    const sign = direction === 'desc' ? -1 : 1;
    out.sort((x, y) => {
      const a = x[field as keyof Doc];
      const b = y[field as keyof Doc];
      return a < b ? -sign : a > b ? sign : x.id < y.id ? -sign : 1 * sign;
    });
  }
  if (q.limit !== undefined) out = out.slice(0, q.limit);
  return out.map((d) => d.id);
}

describe('find', () => {
  it('returns exactly what a plain filter, sort and slice would, whichever index serves it', async () => {
    const store = await openTestStore();
    const todos = store.collection('todos');
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(doc, { selector: (d) => d.id, maxLength: 8 }), fc.array(query, { minLength: 1, maxLength: 5 }), async (docs, queries) => {
        const ids = (await firstValueFrom(todos.find())).map((d) => d.id);
        await store.transaction(async () => {
          for (const id of ids) await todos.delete(id);
          await todos.bulkPut(docs);
        });
        run++;
        for (const q of queries) {
          const got = (await firstValueFrom(todos.find(q as never))).map((d) => d.id);
          if (q.orderBy !== undefined) expect(got, JSON.stringify(q)).toEqual(reference(docs, q));
          else {
            // Without orderBy the order (and so which rows a limit keeps) is the index's: check membership and count.
            const all = reference(docs, { where: q.where });
            expect(got.every((id) => all.includes(id)), JSON.stringify(q)).toBe(true);
            expect(got.length, JSON.stringify(q)).toBe(Math.min(all.length, q.limit ?? Infinity));
          }
        }
      }),
      { numRuns: 60 },
    );
    expect(run).toBeGreaterThan(0);
  });
});

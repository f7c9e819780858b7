import { describe, expectTypeOf, it } from 'vitest';
import type { Observable } from 'rxjs';
import type { DocOf, InputOf, PatchOf } from 'trellis';
import type { ListFieldName } from '../../src/schema/index.js';
import { todoSchema } from '../helpers/todo-schema.js';
import { openTestStore } from '../helpers/open-test-store.js';

type S = typeof todoSchema.definition;

describe('types inferred from the schema (checked by `npm run typecheck`)', () => {
  it('documents have required, defaulted and optional fields typed', () => {
    expectTypeOf<DocOf<S, 'todos'>>().toEqualTypeOf<{
      id: string;
      title: string;
      done: boolean;
      tags: string[];
      createdAt: number;
      meta?: { color?: string };
    }>();
    expectTypeOf<InputOf<S, 'todos'>>().toEqualTypeOf<{
      id: string;
      title: string;
      createdAt: number;
      done?: boolean;
      tags?: string[];
      meta?: { color?: string };
    }>();
    expectTypeOf<{ meta: { color: 'red' } }>().toMatchTypeOf<PatchOf<S, 'todos'>>();
  });

  it('collections, queries and list calls are typed without codegen', async () => {
    const store = await openTestStore();
    const todos = store.collection('todos');
    expectTypeOf(todos.get('a')).toEqualTypeOf<Observable<DocOf<S, 'todos'> | undefined>>();
    expectTypeOf(todos.find({ where: { done: false }, orderBy: 'createdAt' })).toEqualTypeOf<Observable<DocOf<S, 'todos'>[]>>();
    expectTypeOf<ListFieldName<S, 'todos'>>().toEqualTypeOf<'tags'>();
    // @ts-expect-error: wrong field type
    void todos.put({ id: 'a', title: 1, createdAt: 1 }).catch(() => undefined);
    // @ts-expect-error: unknown collection
    expectTypeOf(() => store.collection('nope')).toBeFunction();
    // @ts-expect-error: list item must be a string
    void todos.listPush('a', 'tags', 3).catch(() => undefined);
    await store.close();
  });
});

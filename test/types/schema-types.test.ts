import { describe, expectTypeOf, it } from 'vitest';
import type { Observable } from 'rxjs';
import type { CollectionName, DocOf, InputOf, PatchOf } from 'trellis';
import type { ListFieldName, ListItemOf } from '../../src/schema/index.js';
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

  it('DocOf, InputOf and PatchOf take the value defineSchema returns as well as its definition', () => {
    type V = typeof todoSchema;
    expectTypeOf<CollectionName<V>>().toEqualTypeOf<'todos' | 'notes'>();
    expectTypeOf<DocOf<V, 'todos'>>().toEqualTypeOf<DocOf<S, 'todos'>>();
    expectTypeOf<DocOf<V, 'notes'>>().toEqualTypeOf<{ id: string; text: string }>();
    expectTypeOf<InputOf<V, 'todos'>>().toEqualTypeOf<InputOf<S, 'todos'>>();
    // Patches by value: comparing two PatchOf types (even one with itself) is too deep for tsc.
    const patch: PatchOf<V, 'todos'> = { meta: { color: 'red' }, done: true, title: 'Milk' };
    // @ts-expect-error: wrong field type in a patch
    const wrong: PatchOf<V, 'todos'> = { done: 'yes' };
    // @ts-expect-error: unknown field in a patch
    const unknown: PatchOf<V, 'todos'> = { colour: 'red' };
    expectTypeOf([patch, wrong, unknown]).toBeArray();
    expectTypeOf<ListFieldName<V, 'todos'>>().toEqualTypeOf<'tags'>();
    expectTypeOf<ListItemOf<V, 'todos', 'tags'>>().toEqualTypeOf<string>();
    // @ts-expect-error: unknown collection, whichever form names the schema
    expectTypeOf<DocOf<V, 'nope'>>().toBeObject();
    // @ts-expect-error: a value that is neither a schema nor a definition
    expectTypeOf<DocOf<{ version: 1 }, 'todos'>>().toBeObject();
  });
});

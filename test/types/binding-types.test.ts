/**
 * The bindings' types (checked by `npm run typecheck`; the bodies are never
 * run, since hooks and composables need a component): results are typed from
 * the schema, useJoinLibrary needs the sync alone, usePresence needs the
 * presence() plugin, and Vue's refs are read-only to the app.
 */
import { describe, expectTypeOf, it } from 'vitest';
import type { ComputedRef } from 'vue';
import type { DocOf, Store } from 'trellis';
import type { PresenceSync } from 'trellis/presence';
import type { JoinReason, Sync, SyncState } from 'trellis/sync';
import * as react from 'trellis/react';
import * as vue from 'trellis/vue';
import type { todoSchema } from '../helpers/todo-schema.js';

type S = typeof todoSchema.definition;
type Todo = DocOf<S, 'todos'>;
declare const store: Store<S>;
declare const sync: Sync;
declare const presenceSync: PresenceSync;

describe('binding types', () => {
  it('trellis/react: results typed from the schema, useJoinLibrary(sync) with an optional, ignored store', () => {
    const never = () => {
      expectTypeOf(react.useQuery(() => store.collection('todos').find({}), [])).toEqualTypeOf<react.LiveResult<Todo[]>>();
      expectTypeOf(react.useDoc(store.collection('todos'), 'a')).toEqualTypeOf<react.LiveResult<Todo | undefined>>();
      expectTypeOf(react.useJoinLibrary(sync).reason).toEqualTypeOf<JoinReason | undefined>();
      expectTypeOf(react.useJoinLibrary(sync, store)).toEqualTypeOf<react.JoinLibrary>();
      react.usePresence(presenceSync);
      // @ts-expect-error presence needs a createSync with the presence() plugin
      react.usePresence(sync);
    };
    expectTypeOf(never).toBeFunction();
  });

  it('trellis/vue: refs typed from the schema, read-only, an id as a string, ref or getter', () => {
    const never = () => {
      const list = vue.useQuery(() => store.collection('todos').find({}));
      expectTypeOf(list.value).toEqualTypeOf<vue.LiveResult<Todo[]>>();
      // @ts-expect-error the ref belongs to the composable
      list.value = { status: 'loading' };
      expectTypeOf(vue.useDoc(store.collection('todos'), 'a').value).toEqualTypeOf<vue.LiveResult<Todo | undefined>>();
      vue.useDoc(store.collection('todos'), () => 'a');
      vue.useDoc(store.collection('todos'), {} as ComputedRef<string>);
      const join = vue.useJoinLibrary(sync);
      expectTypeOf(join.required).toEqualTypeOf<ComputedRef<boolean>>();
      expectTypeOf(join.reason.value).toEqualTypeOf<JoinReason | undefined>();
      expectTypeOf(join.downloadAtRisk).returns.toEqualTypeOf<Promise<Blob>>();
      expectTypeOf(vue.useSyncState(sync).value).toEqualTypeOf<SyncState>();
      vue.usePresence(presenceSync);
      // @ts-expect-error presence needs a createSync with the presence() plugin
      vue.usePresence(sync);
    };
    expectTypeOf(never).toBeFunction();
  });
});

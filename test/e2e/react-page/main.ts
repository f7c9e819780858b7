/**
 * The page of test/e2e/react.test.ts: a React app on trellis/react (built by
 * Vite from source, no JSX): a live list of checkboxes (useQuery), the sync
 * phase (useSyncState) and a "Join library" button (useJoinLibrary).
 */
import { createElement as h, useCallback } from 'react';
import { createRoot } from 'react-dom/client';
import { createStore, defineSchema, type Store } from 'trellis';
import { useJoinLibrary, useQuery, useSyncState } from 'trellis/react';
import { createSync, type Sync } from 'trellis/sync';

const schema = defineSchema({
  version: 1,
  collections: {
    items: { primaryKey: 'id', fields: { id: { type: 'string' }, title: { type: 'string' }, done: { type: 'boolean', default: false } } },
  },
});
type AppStore = Store<typeof schema.definition>;

function Items({ store }: { store: AppStore }) {
  const items = store.collection('items');
  const list = useQuery(() => items.find({ orderBy: 'id' }), [items]);
  if (list.status !== 'ready') return h('p', { id: 'list-status' }, list.status);
  return h(
    'ul',
    { id: 'list' },
    list.data.map((item) =>
      h(
        'li',
        { key: item.id },
        h('input', { type: 'checkbox', id: `done-${item.id}`, checked: item.done, onChange: (e: { target: { checked: boolean } }) => void items.update(item.id, { done: e.target.checked }) }),
        h('span', { className: 'title' }, item.title),
      ),
    ),
  );
}

function Join({ store, sync }: { store: AppStore; sync: Sync }) {
  const { phase } = useSyncState(sync);
  const { required, reason, atRisk, join } = useJoinLibrary(sync);
  const onJoin = useCallback(() => void join(), [join]);
  return h(
    'div',
    null,
    h('p', { id: 'phase' }, phase),
    required ? h('button', { id: 'join', onClick: onJoin }, `Join library (${reason}, ${atRisk} changes will be archived)`) : null,
  );
}

let store: AppStore;
let sync: Sync;

const page = {
  async open(o: { url: string; library: string; token: string; name: string; local: readonly string[] }): Promise<string> {
    store = await createStore({ name: o.name, schema });
    // Local history written before sync starts makes this replica a late joiner of a library with history.
    for (const id of o.local) await store.collection('items').put({ id, title: `Item ${id}` });
    sync = createSync(store, { url: o.url, library: o.library, token: o.token, tabs: false, autoJoin: 'never' });
    createRoot(document.getElementById('root') as Element).render(h('div', null, h(Join, { store, sync }), h(Items, { store })));
    return store.replicaId;
  },
  put: async (id: string, title: string) => void (await store.collection('items').put({ id, title })),
  flushed: () => sync.flushed(),
};

(window as unknown as { reactPage: typeof page }).reactPage = page;

/**
 * The page of test/e2e/devtools.test.ts: a store and its sync from source
 * (built by Vite), with the devtools panel mounted into #devtools, driven
 * through `window.devtoolsPage`.
 */
import { createStore, defineSchema, type Store } from 'trellis';
import { defineDevtoolsElement, mountDevtools, type DevtoolsElement } from 'trellis/devtools';
import { presence } from 'trellis/presence';
import { createSync } from 'trellis/sync';

const schema = defineSchema({
  version: 1,
  collections: { items: { primaryKey: 'id', fields: { id: { type: 'string' }, title: { type: 'string' } } } },
});

let store: Store<typeof schema.definition>;
let sync: ReturnType<typeof connect>;

/** Sync with the presence plugin, so the panel's presence section has something to show. */
const connect = (o: { url: string; library: string; token: string }) =>
  createSync(store, { url: o.url, library: o.library, token: o.token, autoJoin: 'never', plugins: [presence()] });
let unmount: (() => void) | undefined;

const page = {
  /** Opens the store `name` (its own database), writes `local` items before any sync, then syncs and mounts the panel. */
  async open(o: { url: string; library: string; token: string; name: string; local: string[] }): Promise<string> {
    store = await createStore({ name: o.name, schema });
    for (const id of o.local) await store.collection('items').put({ id, title: `Local ${id}` });
    sync = connect(o);
    unmount = mountDevtools(document.getElementById('devtools') as HTMLElement, { store, sync });
    return store.replicaId;
  },
  replicaId: () => store.replicaId,
  put: async (id: string, title: string) => void (await store.collection('items').put({ id, title })),
  update: async (id: string, title: string) => void (await store.collection('items').update(id, { title })),
  flushed: () => sync.flushed(),
  join: () => sync.join(),
  setPresence: (state: { editing: string }) => sync.presence.set(state),
  unmount: () => unmount?.(),
  /** The same panel as a <trellis-devtools> element, appended to the body. */
  element() {
    defineDevtoolsElement();
    const panel = document.createElement('trellis-devtools') as DevtoolsElement;
    panel.id = 'element-panel';
    panel.options = { store, sync };
    document.body.append(panel);
  },
  /** Mounts a second panel with `tail` rows and unmounts it: 'ok', or the error code of the refusal. */
  tryTail(tail: number): string {
    try {
      mountDevtools(document.createElement('div'), { store, tail })();
      return 'ok';
    } catch (err) {
      return (err as { code?: string }).code ?? String(err);
    }
  },
  removeElement: () => document.getElementById('element-panel')?.remove(),
};

(window as unknown as { devtoolsPage: typeof page }).devtoolsPage = page;

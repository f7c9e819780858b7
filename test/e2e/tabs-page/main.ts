/**
 * The page of test/e2e/tabs.test.ts: the library from source (built by Vite),
 * driven through `window.tabsPage`. It counts the WebSockets this tab holds
 * open, which tells the test which tab runs sync.
 */
import { firstValueFrom } from 'rxjs';
import { createStore, defineSchema, type Store } from 'trellis';
import { createSync, type Sync, type SyncState } from 'trellis/sync';
import { sharedTabs } from 'trellis/tabs';

const schema = defineSchema({
  version: 1,
  collections: { items: { primaryKey: 'id', fields: { id: { type: 'string' }, title: { type: 'string' } } } },
});

let open = 0;
class CountingWebSocket extends WebSocket {
  constructor(url: string | URL, protocols?: string | string[]) {
    super(url, protocols);
    let counted = false;
    this.addEventListener('open', () => void ((counted = true), open++));
    this.addEventListener('close', () => void (counted && ((counted = false), open--)));
  }
}

/** Advances while this tab runs tasks: stands still while it is frozen. */
let beats = 0;
setInterval(() => beats++, 20);

let store: Store<typeof schema.definition>;
let sync: Sync;
let state: SyncState = { phase: 'offline', pending: 0 };

const page = {
  async open(o: { url: string; library: string; token: string }): Promise<string> {
    store = await createStore({ name: 'tabs-e2e', schema });
    sync = createSync(store, { url: o.url, library: o.library, token: o.token, WebSocket: CountingWebSocket, plugins: [sharedTabs()] });
    sync.state.subscribe((next) => (state = next));
    return store.replicaId;
  },
  put: async (id: string, title: string) => void (await store.collection('items').put({ id, title })),
  titles: async () => (await firstValueFrom(store.collection('items').find({ orderBy: 'id' }))).map((item) => item.title),
  state: () => state,
  sockets: () => open,
  beats: () => beats,
  stop: () => sync.stop(),
};

(window as unknown as { tabsPage: typeof page }).tabsPage = page;

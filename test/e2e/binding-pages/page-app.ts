/**
 * What the React, Vue and Svelte test pages share (browser code, bundled into
 * each page by Vite): the store and sync a page opens, the API the tests call
 * (`window.bindingPage`), the label of the join button and the download of
 * the changes at risk. Each page renders the same DOM: `#phase`, a list
 * `#list` of items (`li[data-done]`, the document's `done` as rendered)
 * with a `.title` and a checkbox `#done-<id>`, and while a join is
 * required a `#join` button and a `#save` button.
 */
import { createStore, type Store } from 'trellis';
import { createSync, type Sync } from 'trellis/sync';
import { todoSchema } from '../../helpers/todo-schema.js';

export type PageStore = Store<typeof todoSchema.definition>;
export interface PageApp {
  readonly store: PageStore;
  readonly sync: Sync;
}
export interface OpenOptions {
  readonly url: string;
  readonly library: string;
  readonly token: string;
  /** The database name: one per page, so each page is a replica of its own. */
  readonly name: string;
  /** Ids written before sync starts: local history that makes this replica a late joiner of a library with history. */
  readonly local: readonly string[];
}

/** The API the e2e tests call through `page.evaluate`. */
export interface BindingPage {
  open(o: OpenOptions): Promise<string>;
  put(id: string, title: string): Promise<void>;
  flushed(): Promise<void>;
}

export const joinLabel = (reason: string | undefined, atRisk: number) => `Join library (${reason}, ${atRisk} changes will be archived)`;

/** Offers `blob` as a file download (the "Save my changes" link an app shows before a join). */
export function saveFile(blob: Blob, name: string): void {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = name;
  link.click();
  // The download has started from the click; the URL is not needed after this task.
  setTimeout(() => URL.revokeObjectURL(link.href));
}

/** Installs `window.bindingPage`; `render` mounts the framework's app once the store and sync are open. */
export function exposePage(render: (app: PageApp, root: Element) => void): void {
  let app: PageApp | undefined;
  const opened = () => {
    if (!app) throw new Error('bindingPage.open() first');
    return app;
  };
  const page: BindingPage = {
    async open(o) {
      const store = await createStore({ name: o.name, schema: todoSchema });
      for (const [i, id] of o.local.entries()) await store.collection('todos').put({ id, title: `Item ${id}`, createdAt: i });
      app = { store, sync: createSync(store, { url: o.url, library: o.library, token: o.token, autoJoin: 'never' }) };
      render(app, document.getElementById('root') as Element);
      return store.replicaId;
    },
    put: async (id, title) => void (await opened().store.collection('todos').put({ id, title, createdAt: Date.now() })),
    flushed: () => opened().sync.flushed(),
  };
  (window as unknown as { bindingPage: BindingPage }).bindingPage = page;
}

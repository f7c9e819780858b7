/**
 * What a typical app ships (the `bundle-size` figure builds this with Vite):
 * one store and its sync, a live list, a live document, a sync badge and a
 * "Join library" button. It imports only `trellis` and `trellis/sync`, so
 * presence, files and shared tabs (opt-in plugins) are not in it.
 */
import { createStore, defineSchema } from 'trellis';
import { createSync } from 'trellis/sync';

const schema = defineSchema({
  version: 1,
  collections: {
    todos: {
      primaryKey: 'id',
      fields: {
        id: { type: 'string' },
        title: { type: 'string' },
        done: { type: 'boolean', default: false },
        createdAt: { type: 'number' },
      },
      indexes: { byDone: ['done', 'createdAt'] },
    },
  },
});

const element = (id: string): HTMLElement => document.getElementById(id) as HTMLElement;

export async function start(library: string, getToken: () => Promise<string>): Promise<void> {
  const store = await createStore({ name: `todos-${library}`, schema });
  const todos = store.collection('todos');
  const sync = createSync(store, { url: 'wss://sync.example.com/parties/trellis', library, getToken });

  todos.find({ where: { done: false }, orderBy: 'createdAt' }).subscribe((open) => {
    element('list').textContent = open.map((todo) => todo.title).join('\n');
  });
  todos.get('pinned').subscribe((pinned) => {
    element('pinned').textContent = pinned?.title ?? '';
  });
  sync.state.subscribe(({ phase, pending, joinRequired }) => {
    element('badge').textContent = `${phase} (${pending})`;
    element('join').hidden = phase !== 'join-required' || !joinRequired;
  });
  element('join').onclick = () => void sync.join();
  element('add').onclick = () => void todos.put({ id: crypto.randomUUID(), title: 'New', createdAt: Date.now() });
  element('list').onclick = () => void todos.update('pinned', { done: true });
}

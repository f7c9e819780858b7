/**
 * The shared list: add, tick, rename, delete, undo. Every write goes straight
 * to the local store (instant, offline-proof); the live query re-renders it,
 * whether the change came from this tab, another tab, or another replica.
 */
import { newItemId } from '../prefs.js';
import type { Item, ListStore } from '../schema.js';
import { h, fill } from './dom.js';

interface Row {
  readonly li: HTMLLIElement;
  item: Item;
}

export function mountList(root: HTMLElement, o: { store: ListStore; user: () => string; onEditing?: (id: string | null) => void }): void {
  const items = o.store.collection('items');
  const rows = new Map<string, Row>();
  const input = h('input', {
    type: 'text',
    name: 'title',
    placeholder: 'Add an item, e.g. oat milk',
    autocomplete: 'off',
    maxlength: 200,
    'aria-label': 'New item',
    'data-testid': 'new-item',
  });
  const form = h(
    'form',
    {
      class: 'add-form',
      onsubmit: (event: Event) => {
        event.preventDefault();
        const title = input.value.trim();
        if (title === '') return;
        input.value = '';
        void items.put({ id: newItemId(), title, done: false, addedBy: o.user(), createdAt: Date.now() });
      },
    },
    input,
    h('button', { type: 'submit', class: 'primary', 'data-testid': 'add-item' }, 'Add'),
  );
  const list = h('ul', { class: 'items', 'data-testid': 'items' });
  const empty = h('p', { class: 'empty' }, 'Nothing on the list yet. Add something above: it is saved on this device at once, and shared when online.');
  const summary = h('span', { class: 'summary', 'data-testid': 'summary' });
  const clearDone = h('button', { type: 'button', class: 'link', onclick: () => void clearCompleted() }, 'Clear done');
  const undo = h('button', { type: 'button', class: 'ghost', title: 'Undo (syncs like any edit)', onclick: () => void o.store.undo() }, '↶ Undo');
  const redo = h('button', { type: 'button', class: 'ghost', title: 'Redo', onclick: () => void o.store.redo() }, '↷ Redo');
  fill(root, form, list, empty, h('footer', { class: 'list-footer' }, summary, h('span', { class: 'spacer' }), clearDone, undo, redo));

  let current: readonly Item[] = [];
  const clearCompleted = () => o.store.transaction(async () => {
    for (const item of current) if (item.done) await items.delete(item.id);
  });

  o.store.undoState.subscribe(({ canUndo, canRedo }) => {
    undo.disabled = !canUndo;
    redo.disabled = !canRedo;
  });

  items.find({ orderBy: 'createdAt' }).subscribe((next) => {
    current = next as Item[];
    render(current);
  });

  function render(next: readonly Item[]): void {
    const seen = new Set<string>();
    let cursor: ChildNode | null = list.firstChild;
    for (const item of next) {
      seen.add(item.id);
      let row = rows.get(item.id);
      if (!row) {
        row = { li: h('li'), item };
        rows.set(item.id, row);
        drawRow(row);
      } else if (row.item !== item && !sameItem(row.item, item)) {
        row.item = item;
        drawRow(row);
      }
      if (row.li !== cursor) list.insertBefore(row.li, cursor);
      else cursor = cursor.nextSibling;
    }
    for (const [id, row] of rows) {
      if (!seen.has(id)) {
        row.li.remove();
        rows.delete(id);
      }
    }
    const done = next.filter((item) => item.done).length;
    empty.hidden = next.length > 0;
    summary.textContent = next.length === 0 ? '' : `${next.length.toLocaleString('en')} ${next.length === 1 ? 'item' : 'items'} · ${done.toLocaleString('en')} done`;
    clearDone.hidden = done === 0;
  }

  function drawRow(row: Row): void {
    const { item, li } = row;
    if (li.querySelector('.edit:focus')) return; // never yank the field someone is typing in
    li.className = item.done ? 'item done' : 'item';
    li.dataset.testid = 'item';
    li.dataset.id = item.id;
    li.dataset.done = String(item.done);
    const title = h('button', { type: 'button', class: 'title', 'data-testid': 'item-title', title: 'Click to rename', onclick: () => edit(row) }, item.title);
    fill(
      li,
      h('input', {
        type: 'checkbox',
        checked: item.done,
        'aria-label': `Done: ${item.title}`,
        'data-testid': 'item-done',
        onchange: (event: Event) => void items.update(item.id, { done: (event.target as HTMLInputElement).checked }),
      }),
      title,
      item.addedBy ? h('span', { class: 'by' }, item.addedBy) : null,
      h('button', { type: 'button', class: 'icon', 'aria-label': `Delete ${item.title}`, 'data-testid': 'item-delete', onclick: () => void items.delete(item.id) }, '✕'),
    );
  }

  function edit(row: Row): void {
    const field = h('input', { type: 'text', class: 'edit', value: row.item.title, maxlength: 200, 'aria-label': 'Rename item', 'data-testid': 'item-edit' });
    let finished = false;
    const finish = (save: boolean) => {
      if (finished) return;
      finished = true;
      const title = field.value.trim();
      field.blur();
      o.onEditing?.(null);
      if (save && title !== '' && title !== row.item.title) void items.update(row.item.id, { title });
      drawRow(row);
    };
    field.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') finish(true);
      if (event.key === 'Escape') finish(false);
    });
    field.addEventListener('blur', () => finish(true));
    row.li.querySelector('.title')?.replaceWith(field);
    o.onEditing?.(row.item.id);
    field.focus();
    field.select();
  }
}

const sameItem = (a: Item, b: Item) => a.title === b.title && a.done === b.done && a.addedBy === b.addedBy && a.createdAt === b.createdAt;

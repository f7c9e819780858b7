/**
 * The page of test/e2e/react.test.ts: a React app on trellis/react (built by
 * Vite from source, no JSX): a live list of checkboxes (useQuery), the sync
 * phase (useSyncState) and a "Join library" prompt (useJoinLibrary), in the
 * DOM every binding page renders (binding-pages/page-app.ts).
 */
import { createElement as h, useCallback } from 'react';
import { createRoot } from 'react-dom/client';
import { useJoinLibrary, useQuery, useSyncState } from 'trellis/react';
import type { Sync } from 'trellis/sync';
import { exposePage, joinLabel, saveFile, type PageStore } from '../binding-pages/page-app.js';

function Items({ store }: { store: PageStore }) {
  const todos = store.collection('todos');
  const list = useQuery(() => todos.find({ orderBy: 'id' }), [todos]);
  if (list.status !== 'ready') return h('p', { id: 'list-status' }, list.status);
  return h(
    'ul',
    { id: 'list' },
    list.data.map((item) =>
      h(
        'li',
        { key: item.id, 'data-done': String(item.done) },
        h('input', { type: 'checkbox', id: `done-${item.id}`, checked: item.done, onChange: (e: { target: { checked: boolean } }) => void todos.update(item.id, { done: e.target.checked }) }),
        h('span', { className: 'title' }, item.title),
      ),
    ),
  );
}

function Join({ sync }: { sync: Sync }) {
  const { phase } = useSyncState(sync);
  const { required, reason, atRisk, join, downloadAtRisk } = useJoinLibrary(sync);
  const onJoin = useCallback(() => void join(), [join]);
  const onSave = useCallback(() => void downloadAtRisk().then((blob) => saveFile(blob, 'at-risk.json')), [downloadAtRisk]);
  return h(
    'div',
    null,
    h('p', { id: 'phase' }, phase),
    required ? h('button', { id: 'save', onClick: onSave }, 'Save my changes') : null,
    required ? h('button', { id: 'join', onClick: onJoin }, joinLabel(reason, atRisk)) : null,
  );
}

exposePage(({ store, sync }, root) => createRoot(root).render(h('div', null, h(Join, { sync }), h(Items, { store }))));

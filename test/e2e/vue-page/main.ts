/**
 * The page of test/e2e/vue.test.ts: a Vue app on trellis/vue (built by Vite
 * from source, render functions, no SFC compiler): a live list of checkboxes
 * (useQuery), the sync phase (useSyncState) and a "Join library" prompt
 * (useJoinLibrary), in the DOM every binding page renders (binding-pages/page-app.ts).
 */
import { createApp, defineComponent, h, type PropType } from 'vue';
import { useJoinLibrary, useQuery, useSyncState } from 'trellis/vue';
import type { Sync } from 'trellis/sync';
import { exposePage, joinLabel, saveFile, type PageStore } from '../binding-pages/page-app.js';

const Items = defineComponent({
  props: { store: { type: Object as PropType<PageStore>, required: true } },
  setup(props) {
    const todos = props.store.collection('todos');
    const list = useQuery(() => todos.find({ orderBy: 'id' }));
    return () => {
      const result = list.value;
      if (result.status !== 'ready') return h('p', { id: 'list-status' }, result.status);
      return h(
        'ul',
        { id: 'list' },
        result.data.map((item) =>
          h('li', { key: item.id, 'data-done': String(item.done) }, [
            h('input', {
              type: 'checkbox',
              id: `done-${item.id}`,
              checked: item.done,
              onChange: (e: Event) => void todos.update(item.id, { done: (e.target as HTMLInputElement).checked }),
            }),
            h('span', { class: 'title' }, item.title),
          ]),
        ),
      );
    };
  },
});

const Join = defineComponent({
  props: { sync: { type: Object as PropType<Sync>, required: true } },
  setup(props) {
    const state = useSyncState(props.sync);
    const { required, reason, atRisk, join, downloadAtRisk } = useJoinLibrary(props.sync);
    const save = () => void downloadAtRisk().then((blob) => saveFile(blob, 'at-risk.json'));
    return () =>
      h('div', [
        h('p', { id: 'phase' }, state.value.phase),
        required.value ? h('button', { id: 'save', onClick: save }, 'Save my changes') : null,
        required.value ? h('button', { id: 'join', onClick: () => void join() }, joinLabel(reason.value, atRisk.value)) : null,
      ]);
  },
});

exposePage(({ store, sync }, root) => createApp({ render: () => h('div', [h(Join, { sync }), h(Items, { store })]) }).mount(root));

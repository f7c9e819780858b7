/**
 * The archive: change sets this device forfeited in a reset (joining a
 * library, or coming back too late). Nothing is lost: each can be downloaded
 * as JSON or re-applied, which writes the changes again as new local edits.
 */
import type { Archive } from 'trellis';
import { formatTime, plural } from '../format.js';
import type { Session } from '../session.js';
import type { ListStore } from '../schema.js';
import { downloadJson, fill, h } from './dom.js';

const REASONS: Record<string, string> = {
  'late-joiner': 'Set aside when this device joined a library',
  truant: 'Set aside when this device came back after too long',
  'library-reset': 'Set aside when the library was reset',
};

/** The titles an archive's ops wrote, for a human summary. */
function titlesOf(archive: Archive): string[] {
  const titles = new Map<string, string>();
  for (const op of archive.ops) {
    const change = op.change;
    if (change.kind === 'put' && typeof change.value.title === 'string') titles.set(op.id, change.value.title);
    if (change.kind === 'set' && change.path.length === 1 && change.path[0] === 'title' && typeof change.value === 'string') titles.set(op.id, change.value);
  }
  return [...titles.values()];
}

export function mountArchivePanel(root: HTMLElement, o: { store: ListStore; session: Session }) {
  const list = h('ul', { class: 'archives', 'data-testid': 'archives' });
  const empty = h('p', { class: 'hint' }, 'Nothing archived. When joining a library would replace local changes, they are kept here.');
  fill(root, h('section', { class: 'card', 'aria-labelledby': 'archive-title' }, h('h2', { id: 'archive-title' }, 'Archive'), empty, list));
  let archives: Archive[] = [];
  let reapplied: readonly string[] = [];

  const draw = () => {
    empty.hidden = archives.length > 0;
    fill(list, ...archives.map(entry));
  };

  function entry(archive: Archive): HTMLLIElement {
    const titles = titlesOf(archive);
    const done = reapplied.includes(archive.id);
    const reapply = h(
      'button',
      {
        type: 'button',
        class: 'small',
        'data-testid': 'archive-reapply',
        title: 'Write these changes again, as new edits that sync to the current library',
        onclick: async () => {
          reapply.disabled = true;
          try {
            await o.store.reapplyArchive(archive.id);
            o.session.markReapplied(archive.id);
          } finally {
            reapply.disabled = false;
          }
        },
      },
      done ? 'Re-apply again' : 'Re-apply',
    );
    return h(
      'li',
      { 'data-testid': 'archive', 'data-id': archive.id, 'data-changes': archive.ops.length },
      h(
        'div',
        { class: 'archive-head' },
        h('strong', {}, plural(archive.ops.length, 'change')),
        done ? h('span', { class: 'tag' }, 're-applied') : null,
        h('span', { class: 'spacer' }),
        h('time', { datetime: new Date(archive.createdAt).toISOString() }, formatTime(archive.createdAt)),
      ),
      h('p', { class: 'hint' }, REASONS[archive.reason] ?? archive.reason),
      titles.length > 0 ? h('p', { class: 'titles' }, titles.slice(0, 4).join(', '), titles.length > 4 ? ` and ${titles.length - 4} more` : '') : null,
      h(
        'div',
        { class: 'actions' },
        h(
          'button',
          {
            type: 'button',
            class: 'small',
            'data-testid': 'archive-download',
            onclick: async () => downloadJson(`trellis-archive-${archive.id}.json`, await o.store.exportArchive(archive.id)),
          },
          '⬇ Download JSON',
        ),
        reapply,
      ),
    );
  }

  o.store.archives.subscribe((next) => {
    archives = next;
    draw();
  });
  return (prefsReapplied: readonly string[]) => {
    if (prefsReapplied.length === reapplied.length) return;
    reapplied = prefsReapplied;
    draw();
  };
}

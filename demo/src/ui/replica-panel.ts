/** "This device": who and what is syncing, plus the Join library form. */
import { replicaText } from '../join-notice.js';
import type { Session, SessionStatus } from '../session.js';
import { copyText, fill, h } from './dom.js';

export function mountReplicaPanel(root: HTMLElement, session: Session, o: { invitedTo: string | undefined }) {
  const replicaId = h('code', { 'data-testid': 'replica-id' });
  const replicaNote = h('small', { class: 'replica-note', 'data-testid': 'replica-note', hidden: true });
  const library = h('code', { class: 'library-code', 'data-testid': 'library-code' });
  const server = h('code', { 'data-testid': 'server-url' });
  const user = h('span', { 'data-testid': 'user' });
  const copyCode = h('button', { type: 'button', class: 'small', onclick: () => void copy(session.current().prefs.library, copyCode) }, 'Copy code');
  const copyLink = h('button', { type: 'button', class: 'small', onclick: () => void copy(inviteLink(session.current().prefs.library), copyLink) }, 'Copy invite link');
  const pause = h('input', { type: 'checkbox', 'data-testid': 'pause', onchange: () => session.setPaused(pause.checked) });

  const code = h('input', {
    type: 'text',
    name: 'library',
    placeholder: 'e.g. k7mq-x2pa-9dfe',
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-label': 'Library code to join',
    'data-testid': 'join-code',
    value: o.invitedTo ?? '',
  });
  const joinButton = h('button', { type: 'submit', class: 'primary', 'data-testid': 'join-button' }, 'Join library');
  const recent = h('div', { class: 'recent' });
  const form = h(
    'form',
    {
      class: 'join-form',
      onsubmit: (event: Event) => {
        event.preventDefault();
        if (code.value.trim() !== '') void session.switchLibrary(code.value).then(() => (code.value = ''));
      },
    },
    h('div', { class: 'row' }, code, joinButton),
  );

  fill(
    root,
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'device-title' },
      h('h2', { id: 'device-title' }, 'This device'),
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'You'),
        h('dd', {}, user),
        h('dt', {}, 'Replica ID'),
        h('dd', {}, replicaId, replicaNote),
        h('dt', {}, 'Library'),
        h('dd', {}, library, h('span', { class: 'actions' }, copyCode, copyLink)),
        h('dt', {}, 'Server'),
        h('dd', {}, server),
      ),
      h('label', { class: 'toggle' }, pause, h('span', {}, 'Pause sync'), h('small', {}, 'work as if offline')),
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'join-title' },
      h('h2', { id: 'join-title' }, 'Join a library'),
      h('p', { class: 'hint' }, 'Enter a code someone shared with you. This device then shows their list; changes that never reached a server are archived first, and you are asked before that happens.'),
      form,
      recent,
    ),
  );

  return (s: SessionStatus) => {
    user.textContent = s.prefs.user;
    replicaId.textContent = s.replicaId;
    const change = s.replicaChange?.to === s.replicaId ? s.replicaChange : undefined;
    replicaNote.hidden = change === undefined;
    replicaNote.textContent = change ? replicaText(change) : '';
    library.textContent = s.prefs.library;
    if (server.dataset.url !== (s.syncUrl ?? '')) {
      server.dataset.url = s.syncUrl ?? '';
      // Wrap after the host, not in the middle of a word.
      const cut = s.syncUrl?.indexOf('/', 'wss://'.length) ?? -1;
      fill(server, ...(s.syncUrl && cut > 0 ? [s.syncUrl.slice(0, cut), h('wbr'), s.syncUrl.slice(cut)] : [s.syncUrl ?? '—']));
    }
    pause.checked = s.paused;
    // A tab that follows another's connection may pause or switch too: every tab of the browser follows (prefs).
    pause.disabled = s.mode === 'starting';
    const busy = s.checking !== undefined || s.joining || s.mode === 'starting';
    joinButton.disabled = busy;
    joinButton.textContent = s.checking !== undefined ? 'Checking…' : s.joining ? 'Joining…' : 'Join library';
    const codes = s.prefs.recent.filter((c) => c !== s.prefs.library);
    fill(
      recent,
      codes.length > 0 ? h('span', { class: 'hint' }, 'Recent:') : null,
      ...codes.map((c) => h('button', { type: 'button', class: 'chip', disabled: busy, onclick: () => void session.switchLibrary(c) }, c)),
    );
  };
}

const inviteLink = (library: string) => `${location.origin}${location.pathname}#join=${encodeURIComponent(library)}`;

async function copy(text: string, button: HTMLButtonElement): Promise<void> {
  const label = button.textContent;
  button.textContent = (await copyText(text)) ? 'Copied' : 'Copy failed';
  setTimeout(() => (button.textContent = label), 1500);
}

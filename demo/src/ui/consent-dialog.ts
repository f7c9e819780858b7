/**
 * The consent step of "Join library": says how many local changes the join
 * would move to the archive, offers to download the list first, and only
 * then calls `sync.join()`. Cancel keeps everything on this device.
 */
import { firstValueFrom } from 'rxjs';
import { plural } from '../format.js';
import type { PendingJoin, Session } from '../session.js';
import type { ListStore } from '../schema.js';
import { downloadJson, fill, h } from './dom.js';

const HEADLINES: Record<PendingJoin['reason'], (library: string) => string> = {
  'late-joiner': (library) => `Join library “${library}”?`,
  truant: () => 'This device was away too long',
  'library-reset': () => 'The library was reset on the server',
  fork: () => 'This device’s copy split from the library',
};

const EXPLANATIONS: Record<PendingJoin['reason'], string> = {
  'late-joiner': 'Joining replaces the list on this device with the library’s list.',
  truant: 'The server no longer keeps the history this device would need to catch up, so it has to load the library’s current state.',
  'library-reset': 'Its history started over, so this device has to load the library’s current state.',
  fork: 'This browser profile was copied (or restored from a backup) and both copies made changes. Joining loads the library’s list and keeps this device’s changes in the archive.',
};

export function mountConsentDialog(session: Session, store: ListStore) {
  const dialog = h('dialog', { class: 'consent', 'data-testid': 'consent-dialog', 'aria-labelledby': 'consent-title' });
  document.body.append(dialog);
  // Escape closes a modal dialog: treat it as Cancel.
  dialog.addEventListener('cancel', () => session.postpone());

  async function downloadList(pending: PendingJoin): Promise<void> {
    const items = await firstValueFrom(store.collection('items').find({ orderBy: 'createdAt' }));
    const exported = {
      format: 'trellis-demo-list',
      version: 1,
      exportedAt: new Date().toISOString(),
      replicaId: session.current().replicaId,
      beforeJoining: pending.library,
      unsyncedChanges: pending.atRisk,
      items,
    };
    downloadJson(`trellis-list-${new Date().toISOString().slice(0, 10)}.json`, JSON.stringify(exported, null, 2));
  }

  let shown = '';
  return (pending: PendingJoin | undefined) => {
    if (!pending) {
      shown = '';
      if (dialog.open) dialog.close();
      return;
    }
    const key = `${pending.library}|${pending.reason}|${pending.atRisk}`;
    if (key === shown && dialog.open) return;
    shown = key;
    const count = plural(pending.atRisk, 'change');
    fill(
      dialog,
      h('h2', { id: 'consent-title' }, HEADLINES[pending.reason](pending.library)),
      h('p', {}, EXPLANATIONS[pending.reason]),
      h(
        'p',
        { class: 'at-risk' },
        h('strong', { 'data-testid': 'consent-count', 'data-count': pending.atRisk }, count),
        ` made on this device never reached a server. ${pending.atRisk === 1 ? 'It moves' : 'They move'} to this device’s archive, where you can download or re-apply ${pending.atRisk === 1 ? 'it' : 'them'} later.`,
      ),
      h(
        'button',
        { type: 'button', class: 'link', 'data-testid': 'consent-download', onclick: () => void downloadList(pending) },
        '⬇ Download my list first (JSON)',
      ),
      h(
        'div',
        { class: 'dialog-actions' },
        h('button', { type: 'button', 'data-testid': 'consent-cancel', onclick: () => session.postpone() }, 'Cancel'),
        h('button', { type: 'button', class: 'primary danger', 'data-testid': 'consent-join', onclick: () => void session.join() }, `Join and archive ${count}`),
      ),
      h('p', { class: 'hint' }, 'Cancel keeps everything on this device as it is; sync waits until you decide.'),
    );
    if (!dialog.open) dialog.showModal();
  };
}

/**
 * Trellis demo: a shared household list. Opens the local store first (the
 * list works offline and without a server), then syncs it with a library on
 * the server that `npm start` runs.
 */
import { distinctUntilChanged, map } from 'rxjs';
import { createStore } from 'trellis';
import { undo } from 'trellis/undo';
import { PREFS_KEY, readPrefs } from './prefs.js';
import { listSchema, STORE_NAME } from './schema.js';
import { createSession, type SessionStatus } from './session.js';
import { h } from './ui/dom.js';
import { mountArchivePanel } from './ui/archive-panel.js';
import { mountConsentDialog } from './ui/consent-dialog.js';
import { mountDevtoolsToggle } from './ui/devtools-toggle.js';
import { mountList } from './ui/list-view.js';
import { mountPresence, type PresenceFreshness } from './ui/presence-view.js';
import { mountReplicaPanel } from './ui/replica-panel.js';
import { mountProgress, renderBadge, renderBanners } from './ui/status-view.js';

const byId = (id: string) => document.getElementById(id) as HTMLElement;

async function main(): Promise<void> {
  const store = await createStore({ name: STORE_NAME, schema: listSchema, plugins: [undo()] });
  const session = createSession(store);
  const invite = new URLSearchParams(location.hash.slice(1)).get('join') ?? undefined;
  const invitedTo = invite !== session.current().prefs.library ? invite : undefined;
  if (invitedTo) session.notify({ tone: 'info', text: `You were invited to library “${invitedTo}”: press Join library to switch to it.` });

  mountList(byId('list'), { store, user: () => session.current().prefs.user, onEditing: (editing) => session.presence.update({ editing }) });
  const freshness = session.status.pipe(
    map((s): PresenceFreshness => ({ library: s.prefs.library, staleBecause: staleBecause(s) })),
    distinctUntilChanged((a, b) => a.library === b.library && a.staleBecause === b.staleBecause),
  );
  mountPresence(byId('online'), { store, presence: session.presence, freshness });
  const away = () => session.presence.update({ away: document.visibilityState === 'hidden' });
  addEventListener('visibilitychange', away);
  away();
  const renderReplica = mountReplicaPanel(byId('device'), session, { invitedTo });
  const renderArchives = mountArchivePanel(byId('archive'), { store, session });
  const renderConsent = mountConsentDialog(session, store);
  mountDevtoolsToggle(byId('devtools'), { store, syncs: session.syncs });
  const badge = byId('badge');
  const renderProgress = mountProgress(byId('progress'));
  const banners = byId('banners');
  const libraryName = byId('library-name');
  const libraryLabel = byId('library-label');
  const libraryNote = byId('library-note');

  session.status.subscribe((s: SessionStatus) => {
    renderBadge(badge, s);
    renderProgress(s);
    renderBanners(banners, s, session);
    renderReplica(s);
    renderArchives(s.prefs.reapplied);
    renderConsent(s.pendingJoin?.ask ? s.pendingJoin : undefined);
    libraryName.textContent = s.prefs.library;
    // Until a join completes, the list shown is still this device's own.
    const waiting = s.sync.phase === 'join-required' || s.sync.phase === 'resetting';
    libraryLabel.textContent = waiting ? 'Joining library' : 'Shared in library';
    libraryNote.textContent = waiting ? 'this device’s list until then' : '';
    document.body.dataset.ready = s.mode === 'starting' ? 'false' : 'true';
  });

  // Every tab syncs through shared tabs (trellis/tabs): one holds the connection, the others follow it and take over when it closes.
  void session.start();
  // Another tab switched library or paused sync: this one follows.
  addEventListener('storage', (event) => {
    if (event.key === PREFS_KEY) session.follow(readPrefs());
  });
}

/** Why "Online now" cannot be news right now, if it cannot. */
function staleBecause(s: SessionStatus): string | undefined {
  if (!s.online) return 'This device is offline.';
  if (s.paused) return 'Sync is paused.';
  if (s.sync.phase === 'join-required') return 'This device has not joined this library yet.';
  if (s.sync.phase !== 'live') return 'This device is not connected to the library right now.';
  return undefined;
}

main().catch((err: unknown) => {
  document.body.replaceChildren(
    h('main', { class: 'fatal' }, h('h1', {}, 'The demo could not open its local store'), h('pre', {}, err instanceof Error ? `${err.name}: ${err.message}` : String(err))),
  );
  throw err;
});

/**
 * Presence, when the sync has it (the presence plugin): this replica's own
 * state, and the others' on request, since watching them makes this replica
 * visible to the others (see presence/presence.ts) and the panel should not
 * change what the app shows them.
 */
import { isObservable, Subscription, type Observable } from 'rxjs';
import { el, fill, row, section, table } from '../dom.js';
import { safeJson } from '../error-log.js';
import type { DevtoolsSync, MountedSection, PanelContext } from '../panel-context.js';

/** How often an open presence section reads this replica's state again. */
const SELF_REFRESH_MS = 1000;

interface PresenceLike {
  readonly self?: unknown;
  readonly peers$?: Observable<readonly { userId: string; replicas: readonly { replicaId: string; state: unknown; lastSeen: number }[] }[]>;
}

/** `sync.presence` if it looks like the presence plugin's (a getter that throws counts as absent). */
export function presenceOf(sync: DevtoolsSync | undefined): PresenceLike | undefined {
  try {
    const presence = sync?.presence as PresenceLike | undefined;
    return typeof presence === 'object' && presence !== null && isObservable(presence.peers$) ? presence : undefined;
  } catch {
    return undefined;
  }
}

export function presenceSection(ctx: PanelContext): MountedSection {
  const self = el('pre', { 'data-field': 'presence-self' });
  const peers = el('div', { 'data-field': 'presence-peers' });
  const watch = el('button', { type: 'button' }, 'Watch the others (makes this replica visible to them)');
  let presence: PresenceLike | undefined;
  let watching = new Subscription();
  const subscription = new Subscription(() => watching.unsubscribe());
  const showSelf = () => (self.textContent = presence ? safeJson(presence.self ?? null) : 'No presence: this sync has no presence plugin.');
  subscription.add(
    ctx.sync.subscribe((sync) => {
      watching.unsubscribe();
      presence = presenceOf(sync);
      watch.disabled = presence === undefined;
      fill(peers);
      showSelf();
    }),
  );
  // The app may set its presence at any time: shown again whenever sync's state changes.
  subscription.add(ctx.state.subscribe(() => showSelf()));
  watch.addEventListener('click', () => {
    watching.unsubscribe();
    watching = new Subscription();
    watching.add(
      presence?.peers$?.subscribe({
        next: (users) => {
          showSelf();
          const rows = users.flatMap((user) => user.replicas.map((r) => row(user.userId, r.replicaId, safeJson(r.state, 200), new Date(r.lastSeen).toISOString().slice(11, 19))));
          fill(peers, rows.length > 0 ? table(['user', 'replica', 'state', 'last seen (UTC)'], rows) : el('p', { class: 'td-muted' }, 'Nobody else is connected.'));
        },
        error: (err) => ctx.report('presence', err),
      }),
    );
  });
  const node = section({ name: 'presence', title: 'Presence', open: false }, el('h4', {}, 'This replica'), self, watch, peers);
  // `self` is a plain property (no Observable): while the section is open it is read again every second.
  let timer: ReturnType<typeof setInterval> | undefined;
  const onToggle = () => {
    clearInterval(timer);
    timer = node.open ? setInterval(showSelf, SELF_REFRESH_MS) : undefined;
    if (node.open) showSelf();
  };
  node.addEventListener('toggle', onToggle);
  subscription.add(() => (clearInterval(timer), node.removeEventListener('toggle', onToggle)));
  return { node, subscription };
}

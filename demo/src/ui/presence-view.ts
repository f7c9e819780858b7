/**
 * "Online now": the other replicas connected to this library, by user, and
 * what each is doing (sync.presence). Presence is only news while this device
 * is connected: offline, paused or not (yet) live, the panel shows who was
 * here when it last was, as "last seen", and claims nothing about now.
 */
import type { Observable } from 'rxjs';
import type { JsonObject } from 'trellis';
import type { PresenceUser, PresenceReplica } from 'trellis/presence';
import type { PresenceRelay } from '../presence-relay.js';
import type { ListStore } from '../schema.js';
import { fill, h } from './dom.js';

/** Whether presence is current: this device is live in `library`, or why not. */
export interface PresenceFreshness {
  readonly library: string;
  /** Undefined while live; otherwise what keeps this device from hearing the others. */
  readonly staleBecause: string | undefined;
}

interface LastSeen {
  readonly peers: readonly PresenceUser[];
  readonly at: Date;
}

export function mountPresence(root: HTMLElement, o: { store: ListStore; presence: PresenceRelay; freshness: Observable<PresenceFreshness> }): void {
  const title = h('h2', { id: 'online-title' }, 'Online now');
  const list = h('ul', { class: 'online', 'data-testid': 'online' });
  const stale = h('p', { class: 'hint stale-note', 'data-testid': 'presence-stale', hidden: true });
  const empty = h('p', { class: 'hint' }, 'Nobody else is here. Open the demo in another browser (or a private window) with your library code to see them.');
  const section = h('section', { class: 'card', 'aria-labelledby': 'online-title' }, title, stale, list, empty);
  fill(root, section);

  let titles = new Map<string, string>();
  let peers: readonly PresenceUser[] = [];
  let fresh: PresenceFreshness = { library: '', staleBecause: 'Not connected yet.' };
  /** Who was here when this device was last live in `fresh.library`; shown while stale. */
  let lastSeen: LastSeen | undefined;
  const render = () => {
    const why = fresh.staleBecause;
    const shown = why === undefined ? peers : (lastSeen?.peers ?? []);
    section.dataset.stale = String(why !== undefined);
    title.textContent = why === undefined ? 'Online now' : 'Last seen';
    stale.hidden = why === undefined;
    stale.textContent = why === undefined ? '' : `${why} Who was here ${lastSeen ? `at ${time(lastSeen.at)}` : 'is not known yet'}; they may have left since.`;
    empty.hidden = shown.length > 0 || why !== undefined;
    fill(list, ...shown.map((peer) => row(peer, titles, why !== undefined)));
  };
  o.store.collection('items').find().subscribe((items) => {
    titles = new Map(items.map((item) => [item.id, item.title]));
    render();
  });
  o.presence.peers$.subscribe((next) => {
    peers = next;
    if (fresh.staleBecause === undefined) lastSeen = { peers, at: new Date() };
    render();
  });
  o.freshness.subscribe((next) => {
    // Who was in another library says nothing about this one.
    if (next.library !== fresh.library) lastSeen = undefined;
    else if (fresh.staleBecause === undefined && next.staleBecause !== undefined) lastSeen = { peers, at: new Date() };
    fresh = next;
    render();
  });
}

function row(peer: PresenceUser, titles: ReadonlyMap<string, string>, stale: boolean): HTMLLIElement {
  const name = typeof peer.profile?.name === 'string' ? peer.profile.name : peer.userId;
  const color = typeof peer.profile?.color === 'string' ? peer.profile.color : 'var(--muted)';
  const devices = peer.replicas.length > 1 ? ` · ${peer.replicas.length} devices` : '';
  const doing = peer.replicas.map((r) => activity(r, titles)).join(' · ');
  return h(
    'li',
    { 'data-testid': 'online-user', 'data-user': peer.userId, class: stale ? 'stale' : '' },
    h('span', { class: 'dot', style: `background: ${color}`, 'aria-hidden': 'true' }),
    h('strong', {}, name),
    h('span', { class: 'activity' }, (stale ? `was ${doing}` : doing) + devices),
  );
}

function activity(replica: PresenceReplica, titles: ReadonlyMap<string, string>): string {
  const state: JsonObject = replica.state ?? {};
  if (state.away === true) return 'away';
  const editing = typeof state.editing === 'string' ? titles.get(state.editing) : undefined;
  return editing === undefined ? 'viewing the list' : `renaming “${editing}”`;
}

const time = (at: Date) => at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/** "Online now": the other replicas connected to this library, by user, and what each is doing (sync.presence). */
import type { JsonObject } from 'trellis';
import type { PresenceUser, PresenceReplica } from 'trellis/presence';
import type { PresenceRelay } from '../presence-relay.js';
import type { ListStore } from '../schema.js';
import { fill, h } from './dom.js';

export function mountPresence(root: HTMLElement, o: { store: ListStore; presence: PresenceRelay }): void {
  const list = h('ul', { class: 'online', 'data-testid': 'online' });
  const empty = h('p', { class: 'hint' }, 'Nobody else is here. Open the demo in another browser (or a private window) with your library code to see them.');
  fill(root, h('section', { class: 'card', 'aria-labelledby': 'online-title' }, h('h2', { id: 'online-title' }, 'Online now'), list, empty));

  let titles = new Map<string, string>();
  let peers: readonly PresenceUser[] = [];
  const render = () => {
    empty.hidden = peers.length > 0;
    fill(list, ...peers.map((peer) => row(peer, titles)));
  };
  o.store.collection('items').find().subscribe((items) => {
    titles = new Map(items.map((item) => [item.id, item.title]));
    render();
  });
  o.presence.peers$.subscribe((next) => {
    peers = next;
    render();
  });
}

function row(peer: PresenceUser, titles: ReadonlyMap<string, string>): HTMLLIElement {
  const name = typeof peer.profile?.name === 'string' ? peer.profile.name : peer.userId;
  const color = typeof peer.profile?.color === 'string' ? peer.profile.color : 'var(--muted)';
  const devices = peer.replicas.length > 1 ? ` · ${peer.replicas.length} devices` : '';
  return h(
    'li',
    { 'data-testid': 'online-user', 'data-user': peer.userId },
    h('span', { class: 'dot', style: `background: ${color}`, 'aria-hidden': 'true' }),
    h('strong', {}, name),
    h('span', { class: 'activity' }, peer.replicas.map((r) => activity(r, titles)).join(' · ') + devices),
  );
}

function activity(replica: PresenceReplica, titles: ReadonlyMap<string, string>): string {
  const state: JsonObject = replica.state ?? {};
  if (state.away === true) return 'away';
  const editing = typeof state.editing === 'string' ? titles.get(state.editing) : undefined;
  return editing === undefined ? 'viewing the list' : `renaming “${editing}”`;
}

import { computed, shallowRef, type ComputedRef, type ShallowRef } from 'vue';
import type { JsonObject } from '../index.js';
import type { PresenceSync, PresenceUser } from '../presence/index.js';
import { liveRef } from './live-ref.js';

const NOBODY: readonly PresenceUser[] = Object.freeze([]);

export interface PresenceView {
  /** The other connected replicas, grouped by user (`sync.presence.peers$`); empty until the server has said who is there. */
  readonly peers: ComputedRef<readonly PresenceUser[]>;
  /** This replica's presence state as last set here (null until set). */
  readonly self: Readonly<ShallowRef<JsonObject | null>>;
  /** Sets this replica's presence state (`sync.presence.set`) and `self` with it. */
  set(state: JsonObject | null): void;
}

/**
 * Presence in a component: who else is connected and this replica's own
 * state. Watching presence makes this replica visible to the others, as
 * subscribing to `sync.presence.peers$` does, until the scope is disposed.
 * `sync` is a createSync with the presence() plugin (trellis/presence).
 */
export function usePresence(sync: PresenceSync): PresenceView {
  const peers = liveRef('usePresence', () => sync.presence.peers$);
  const self = shallowRef(sync.presence.self);
  return {
    peers: computed(() => (peers.value.status === 'ready' ? peers.value.data : NOBODY)),
    self,
    set(state) {
      sync.presence.set(state);
      self.value = sync.presence.self;
    },
  };
}

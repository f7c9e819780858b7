import { useCallback, useMemo, useSyncExternalStore } from 'react';
import type { JsonObject } from '../index.js';
import type { PresenceSync, PresenceUser } from '../presence/index.js';
import { observableSource } from './observable-source.js';

const NOBODY: readonly PresenceUser[] = Object.freeze([]);

export interface PresenceView {
  /** The other connected replicas, grouped by user (`sync.presence.peers$`); empty until the server has said who is there. */
  readonly peers: readonly PresenceUser[];
  /** This replica's presence state as last set here (null until set). */
  readonly self: JsonObject | null;
  /** Sets this replica's presence state (`sync.presence.set`) and re-renders with it as `self`. */
  set(state: JsonObject | null): void;
}

/**
 * Presence in a component: who else is connected and this replica's own
 * state. Watching presence makes this replica visible to the others, as
 * subscribing to `sync.presence.peers$` does. `sync` is a createSync with
 * the presence() plugin (trellis/presence).
 */
export function usePresence(sync: PresenceSync): PresenceView {
  const source = useMemo(() => observableSource(sync.presence.peers$), [sync]);
  const result = useSyncExternalStore(source.subscribe, source.getSnapshot, source.getSnapshot);
  const selfSource = useMemo(() => createSelf(sync), [sync]);
  const self = useSyncExternalStore(selfSource.subscribe, selfSource.get, selfSource.get);
  const set = useCallback((state: JsonObject | null) => selfSource.set(state), [selfSource]);
  return { peers: result.status === 'ready' ? result.data : NOBODY, self, set };
}

/** `sync.presence.self` has no Observable of its own: sets made through the hook are told to its readers. */
function createSelf(sync: PresenceSync) {
  const listeners = new Set<() => void>();
  return {
    get: () => sync.presence.self,
    set(state: JsonObject | null) {
      sync.presence.set(state);
      for (const listener of [...listeners]) listener();
    },
    subscribe(listener: () => void) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}

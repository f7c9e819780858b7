/**
 * Presence on the client: this replica's state (`self`, set by the app) and
 * the other connected replicas grouped by user (`peers$`). Ephemeral: never
 * an op, never stored. A narrow seam keeps it apart from the connection: the
 * owner of a live connection calls `connected(send)`, `disconnected()` and
 * `receive(message)` (the engine today; a leader tab relaying for its
 * followers later).
 *
 *   sync.presence.set({ viewing: 'list-1' });
 *   sync.presence.peers$.subscribe((users) => render(users.map((u) => u.profile?.name ?? u.userId)));
 */
import { BehaviorSubject, Observable } from 'rxjs';
import type { JsonObject } from '../core/index.js';
import { ErrorCode, TrellisError } from '../core/index.js';
import { MAX_PRESENCE_BYTES, jsonObjectProblem, utf8Length } from '../protocol/index.js';
import type { PresenceEntry, PresenceUpdateMessage } from '../protocol/index.js';

export interface PresenceReplica {
  readonly replicaId: string;
  readonly state: JsonObject | null;
  /** When the server last heard from it (ms since the epoch, the server's clock). */
  readonly lastSeen: number;
}

/** One user's connected replicas, with the server's read-only profile (null when it has none). */
export interface PresenceUser {
  readonly userId: string;
  readonly profile: JsonObject | null;
  readonly replicas: readonly PresenceReplica[];
}

export interface Presence {
  /** This replica's presence state as last set; null until set. */
  readonly self: JsonObject | null;
  /**
   * Replaces this replica's presence state: a JSON object of at most
   * MAX_PRESENCE_BYTES (1 KiB), or null. Sent at most every ~100 ms, the
   * latest state winning. Throws INVALID_ARGUMENT or PRESENCE_TOO_LARGE.
   */
  set(state: JsonObject | null): void;
  /**
   * The other connected replicas (other devices of this user included),
   * grouped by user and sorted by user id. Subscribing, like `set`, makes
   * this replica visible to the others.
   */
  readonly peers$: Observable<readonly PresenceUser[]>;
}

export interface PresenceControl {
  readonly presence: Presence;
  /** A connection went live; `send` puts one presence state on it. */
  connected(send: (state: JsonObject | null) => void): void;
  disconnected(): void;
  receive(message: PresenceUpdateMessage): void;
  /** What is shown now, as one message that replaces everything (for a tab that just started to follow). */
  snapshot(): PresenceUpdateMessage;
}

export interface PresenceOptions {
  /** Least time between two sends (ms). Default 100. */
  readonly throttleMs?: number;
  /** How long the last known peers stay shown after the connection drops (ms). Default 5000. */
  readonly graceMs?: number;
}

export function createPresence(options: PresenceOptions = {}): PresenceControl {
  const throttleMs = options.throttleMs ?? 100;
  const replicas = new Map<string, PresenceEntry>();
  const profiles = new Map<string, JsonObject | null>();
  const peers = new BehaviorSubject<readonly PresenceUser[]>([]);
  let self: JsonObject | null = null;
  /** The app set or watched presence: the replica shows itself. */
  let joined = false;
  let send: ((state: JsonObject | null) => void) | undefined;
  let dirty = false;
  let lastSent = Number.NEGATIVE_INFINITY;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let clearing: ReturnType<typeof setTimeout> | undefined;

  const flush = (): void => {
    timer = undefined;
    if (send === undefined || !dirty) return;
    dirty = false;
    lastSent = Date.now();
    send(self);
  };
  /** Leading edge now, then at most one trailing send per throttle window, with the latest state. */
  const schedule = (): void => {
    dirty = joined;
    if (send === undefined || timer !== undefined) return;
    const wait = lastSent + throttleMs - Date.now();
    if (wait <= 0) flush();
    else timer = setTimeout(flush, wait);
  };
  const emit = (): void => peers.next(groupByUser(replicas, profiles));

  return {
    presence: {
      get self() {
        return self;
      },
      set(state) {
        self = checkPresence(state);
        joined = true;
        schedule();
      },
      peers$: new Observable((subscriber) => {
        if (!joined) {
          joined = true;
          schedule();
        }
        return peers.subscribe(subscriber);
      }),
    },
    connected(next) {
      clearTimeout(clearing);
      send = next;
      lastSent = Number.NEGATIVE_INFINITY;
      schedule();
    },
    disconnected() {
      send = undefined;
      clearTimeout(timer);
      timer = undefined;
      clearTimeout(clearing);
      // The next connection's snapshot replaces what is shown; until then, or for the grace, it stays.
      clearing = setTimeout(() => {
        replicas.clear();
        profiles.clear();
        emit();
      }, options.graceMs ?? 5000);
    },
    snapshot: () => ({ type: 'presence', replace: true, replicas: [...replicas.values()], profiles: Object.fromEntries(profiles) }),
    receive(message) {
      if (message.replace === true) {
        clearTimeout(clearing);
        replicas.clear();
        profiles.clear();
      }
      for (const entry of message.replicas ?? []) replicas.set(entry.replicaId, entry);
      for (const replicaId of message.left ?? []) replicas.delete(replicaId);
      for (const [userId, profile] of Object.entries(message.profiles ?? {})) profiles.set(userId, profile);
      emit();
    },
  };
}

/** A copy of a valid presence state; throws INVALID_ARGUMENT or PRESENCE_TOO_LARGE. */
export function checkPresence(state: JsonObject | null): JsonObject | null {
  const problem = state === null ? undefined : jsonObjectProblem(state);
  if (problem !== undefined) {
    throw new TrellisError(ErrorCode.INVALID_ARGUMENT, `presence.set: ${problem.problem}; pass a plain JSON object (or null).`, { details: { path: problem.path } });
  }
  const json = JSON.stringify(state);
  const size = utf8Length(json);
  if (size > MAX_PRESENCE_BYTES) {
    throw new TrellisError(ErrorCode.PRESENCE_TOO_LARGE, `presence.set: ${size} bytes of JSON exceed ${MAX_PRESENCE_BYTES}; keep ids and positions, not content.`, {
      details: { size, limit: MAX_PRESENCE_BYTES },
    });
  }
  return JSON.parse(json) as JsonObject | null;
}

/** The replicas grouped by user, users and replicas sorted by id. Profiles of users without replicas are left out. */
export function groupByUser(replicas: ReadonlyMap<string, PresenceEntry>, profiles: ReadonlyMap<string, JsonObject | null>): PresenceUser[] {
  const users = new Map<string, PresenceReplica[]>();
  for (const entry of replicas.values()) {
    const list = users.get(entry.userId) ?? [];
    list.push({ replicaId: entry.replicaId, state: entry.state, lastSeen: entry.at });
    users.set(entry.userId, list);
  }
  return [...users]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([userId, list]) => ({ userId, profile: profiles.get(userId) ?? null, replicas: list.sort((a, b) => (a.replicaId < b.replicaId ? -1 : 1)) }));
}

import type { Observable } from 'rxjs';
import type { JsonObject } from '../core/index.js';
import type { PresenceUpdateMessage, ReplicationQuery } from '../protocol/index.js';
import type { StoreHost } from '../store/index.js';

/**
 * `outdated`: the server requires a newer schema than this app's (SYNC_SCHEMA_OUTDATED, in `error`). Tell the user
 * to update the app. The store keeps working locally and sync does not retry; it connects again when sync is next
 * started (`createSync`), by then, one hopes, with the app's newer schema.
 */
export type SyncPhase = 'offline' | 'connecting' | 'syncing' | 'live' | 'join-required' | 'resetting' | 'outdated' | 'error';
/**
 * Why a join is needed: the server's reset reasons, and `fork`: the server holds other ops under this
 * replica's id and seqs (the store was copied, or restored from a backup, and both copies wrote).
 */
export type JoinReason = 'late-joiner' | 'truant' | 'library-reset' | 'fork';
export type AutoJoin = 'when-nothing-at-risk' | 'never' | 'always';

export interface SyncState {
  readonly phase: SyncPhase;
  /** Local changes not yet acknowledged by the server. */
  readonly pending: number;
  /** Set while a catch-up or a reset streams in. */
  readonly progress?: { readonly received: number; readonly total: number };
  /** Set in phase `join-required`: why, and how many local changes a join would archive. */
  readonly joinRequired?: { readonly reason: JoinReason; readonly atRisk: number };
  /**
   * The last problem sync met, with a stable code (`TrellisError` codes, e.g. SYNC_TOKEN_UNAVAILABLE when
   * `getToken` fails, AUTH_TOKEN_EXPIRED, FORK_DETECTED, a server's refusal of a push). Kept until sync is
   * live again (going live clears it). Sync keeps retrying with backoff, whatever the phase, except after
   * a refusal retrying cannot fix: a protocol version mismatch, a policy violation, a token for another
   * library, a replica id of another user, or an invalid or expired token without `getToken` to refresh it.
   * Those show phase `error`; an auth refusal with `getToken` shows `error` too while it retries. A server that
   * requires a newer schema (SYNC_SCHEMA_OUTDATED) shows phase `outdated` and is not retried either.
   */
  readonly error?: { readonly code: string; readonly message: string };
  /** Which transport the connection runs on (`'http'` after a fallback); absent with a transport factory of the app's own. */
  readonly transport?: import('./transport.js').TransportKind;
}

export interface SyncOptions<P extends readonly SyncPlugin[] = readonly SyncPlugin[]> {
  /** The server's sync URL, e.g. `ws://127.0.0.1:3242/parties/trellis`; the library is appended. */
  readonly url: string;
  readonly library: string;
  /** A signed token, or a function that fetches a fresh one for each (re)connect. */
  readonly token?: string;
  readonly getToken?: () => Promise<string> | string;
  /** When to reset to the server's snapshot without asking. Default `'when-nothing-at-risk'`. */
  readonly autoJoin?: AutoJoin;
  /** A WebSocket constructor where there is no global one (Node: `ws`). */
  readonly WebSocket?: unknown;
  /**
   * How to connect. `'websocket'` (default): a WebSocket, falling back to HTTP by itself when WebSockets keep
   * failing (3 attempts in a row that never opened, as behind a proxy that blocks upgrades), and back to a
   * WebSocket once one opens again (tried every minute). `'http'`: HTTP only (POST to push, long polling to
   * receive), for networks where WebSockets never work. Either way the same messages and decisions;
   * `state.transport` says which runs. A TransportFactory replaces both (tests, custom channels).
   */
  readonly transport?: import('./transport.js').TransportKind | import('./transport.js').TransportFactory;
  /**
   * Opt-in parts, each from its own entry so that an app ships only what it imports:
   * `presence()` ('trellis/presence') adds `sync.presence`; `files()` ('trellis/files') uploads and
   * downloads the bytes of `file` fields; `sharedTabs()` ('trellis/tabs') lets the tabs of one store
   * share one connection. Without `sharedTabs()` every tab that calls createSync connects on its own.
   */
  readonly plugins?: P;
  /**
   * The part of the library this replica holds (a replication query): documents whose collection is listed
   * (all when `collections` is absent) and whose id starts with one of `idPrefix` (all when absent). The
   * server sends nothing else, and narrows the query to the token's scope. Writes outside it are still
   * pushed and kept locally. At most 16 collections and 16 prefixes, each a valid name. Default: everything.
   */
  readonly query?: ReplicationQuery;
}

export interface Sync {
  /** Connection and sync status, for a badge or a "Join library" prompt. */
  readonly state: Observable<SyncState>;
  /** The user consented: archive the changes at risk, then reset to the server's snapshot. Resolves when live again. */
  join(): Promise<void>;
  /**
   * Resolves once the server has acknowledged every write this store held when it was called (in any tab):
   * `await store.collection('todos').put(doc); await sync.flushed();` means the write is on the server.
   * Waits across reconnects; never resolves early. Rejects with `SYNC_STOPPED` if sync stops first, and
   * with `SYNC_JOIN_REQUIRED` if a reset (join) archived those writes instead of sending them. (`state.pending`
   * counts a write from the moment its put() resolves, so `pending === 0` also means nothing is waiting.)
   */
  flushed(): Promise<void>;
  /**
   * Changes the replication query (see SyncOptions.query); resolves once sync is live with it. Widening
   * fetches the newly matching documents without a reset; narrowing drops the documents no longer asked for
   * from this store (nothing is deleted on the server), after archiving the unacknowledged own writes among
   * them (store.archives, reason 'narrowed'; they are still pushed). INVALID_ARGUMENT for a malformed query.
   */
  setQuery(query: ReplicationQuery): Promise<void>;
  /** Disconnects; the store keeps working locally. With tabs shared, ends this tab's part only: another tab with sync takes over. */
  stop(): Promise<void>;
  /**
   * The local changes a join would archive if it ran now (what `state.joinRequired.atRisk` counts), oldest first,
   * for a "Save my changes" download before the user joins. Reads the store only; works in every tab.
   */
  atRisk(): Promise<import('./at-risk.js').AtRiskChanges>;
  /**
   * Own writes the server rejected (its schema, or a write rule: `code` SCHEMA_VIOLATION or RULE_REJECTED,
   * `message` saying why). Each is reported once the store rolled the write back: live queries already show
   * the document as the server holds it, with this replica's later writes still applied. Undo history of
   * that document is dropped. Reported in the tab that holds the connection (the leader, with shared tabs).
   */
  readonly rejections: Observable<Rejection>;
}

/** One own write the server rejected, as `sync.rejections` reports it. */
export interface Rejection {
  readonly collection: string;
  readonly id: string;
  readonly code: string;
  readonly message: string;
}

// Plugins (see plugin.ts for how createSync runs them).

export type SyncError = { readonly code: string; readonly message: string };

/** The connection this tab runs (every createSync without shared tabs; the leader tab's with them). */
export interface SyncConnection {
  /** The store, as the engine sees it (with shared tabs: fenced to this leader's term). */
  readonly host: StoreHost;
  readonly state: Observable<SyncState>;
  /** Shows a problem in `sync.state.error` (sync goes on). */
  report(error: SyncError): void;
  /** Puts one presence state on the connection while it is live; dropped otherwise. */
  sendPresence(state: JsonObject | null): void;
  /** Presence frames from the server (they skip the engine: no storage, never behind a catch-up). */
  onPresence(listener: (message: PresenceUpdateMessage) => void): void;
}

/** The other tabs of this replica and library, when shared tabs are installed (see trellis/tabs). */
export interface TabRelay {
  /** Sends to the other tabs; `kind` names the message (a plugin prefixes its own, e.g. `presence:`). */
  post(kind: string, payload?: unknown): void;
  /** Calls `handler` for each message of `kind` from another tab; returns the unsubscribe. */
  on(kind: string, handler: (payload: unknown) => void): () => void;
  /** True while this tab holds the connection. */
  leading(): boolean;
  /** Calls `listener` whenever a leader becomes known, with whether it is this tab; returns the unsubscribe. */
  onLeader(listener: (self: boolean) => void): () => void;
}

export interface SyncPluginContext {
  /** The store, shared by every tab (plain, not fenced). */
  readonly host: StoreHost;
  readonly options: SyncOptions;
  /** Set when shared tabs are installed. */
  readonly tabs?: TabRelay;
}

/** One plugin, installed into one createSync. */
export interface InstalledPlugin<Adds extends object> {
  /** Properties the plugin adds to the Sync object (`presence`). */
  readonly adds?: Adds;
  /** This tab starts a connection; the returned function ends the plugin's part in it. */
  connect?(connection: SyncConnection): () => void;
}

/** How tabs share one connection: the one plugin that may say it (sharedTabs()). */
export interface TabSharing {
  /**
   * Starts sharing, or returns undefined to sync in this tab alone (outside a browser page).
   * `start` runs the engine and connection in this tab each time it leads; it is never called
   * before `share` has returned.
   */
  share(o: { readonly host: StoreHost; readonly name: string; readonly start: (host: StoreHost) => LeaderSync }): { readonly sync: Sync; readonly relay: TabRelay } | undefined;
}

/** A Sync as the tab holding the connection runs it: it also says what the store acknowledged (for the other tabs' pending). */
export interface LeaderSync extends Sync {
  readonly acknowledged?: () => { readonly replicaId: string; readonly seq: number } | undefined;
}

/**
 * A createSync plugin. `Adds` is what it adds to the Sync object. Make one
 * with a factory (`presence()`); installing two of one `name` is refused.
 */
export interface SyncPlugin<Adds extends object = object> {
  readonly name: string;
  install(context: SyncPluginContext): InstalledPlugin<Adds>;
  readonly tabs?: TabSharing;
}

/** What the plugins `P` add to the Sync object, all together. */
export type PluginAdds<P extends readonly SyncPlugin[]> = UnionToIntersection<AddsOf<P[number]>>;
type AddsOf<T> = T extends SyncPlugin<infer A> ? A : never;
type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

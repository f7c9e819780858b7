import type { Observable } from 'rxjs';

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
}

export interface SyncOptions {
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
  /** Replaces the WebSocket transport (tests, custom channels). */
  readonly transport?: import('./transport.js').TransportFactory;
  /**
   * Tabs of one store (database) share its replica. Default `true`: in a browser with Web Locks and
   * BroadcastChannel, one tab per store and library holds the connection, the others show its `state`,
   * forward `join()` to it, and take over when it closes, crashes or freezes. `false`: this tab syncs
   * on its own (as outside browsers). An object injects the browser APIs (tests) or tunes the heartbeat.
   */
  readonly tabs?: boolean | TabsOptions;
}

export interface TabsOptions {
  /** The Web Locks API. Default `navigator.locks`. */
  readonly locks?: import('./tabs/leader.js').TabLocks;
  /** Default the global `BroadcastChannel`. */
  readonly BroadcastChannel?: import('./tabs/channel.js').BroadcastChannelConstructor;
  /** How often a follower tab checks on the leader, in ms (default 1000); a silent leader is replaced after three to four. */
  readonly heartbeatMs?: number;
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
  /** Disconnects; the store keeps working locally. With tabs shared, ends this tab's part only: another tab with sync takes over. */
  stop(): Promise<void>;
  /**
   * The local changes a join would archive if it ran now (what `state.joinRequired.atRisk` counts), oldest first,
   * for a "Save my changes" download before the user joins. Reads the store only; works in every tab.
   */
  atRisk(): Promise<import('./at-risk.js').AtRiskChanges>;
  /** Who else is connected to the library and what they are doing; this replica's own state (see presence.ts). */
  readonly presence: import('./presence.js').Presence;
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

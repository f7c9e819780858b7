import { Observable, Subscription } from 'rxjs';
import { ErrorCode, TrellisError, type JsonObject } from '../core/index.js';
import { CloseCode, type PresenceUpdateMessage } from '../protocol/index.js';
import { getStoreHost, type Store, type StoreHost } from '../store/index.js';
import { createEngine } from './engine.js';
import { createPresence } from './presence.js';
import type { Presence, PresenceControl } from './presence.js';
import { createTabSync, sharedTabs, type LeaderSync, type TabSync } from './tabs/tab-sync.js';
import { createPartysocketTransport } from './transport-partysocket.js';
import { startFileDownloads, startFileUploads } from './files.js'; // files:
import { readAtRisk } from './at-risk.js';
import type { Sync, SyncOptions } from './types.js';

const CLOSE_ERRORS: Record<number, ErrorCode> = {
  [CloseCode.AUTH_INVALID]: ErrorCode.AUTH_TOKEN_INVALID,
  [CloseCode.AUTH_EXPIRED]: ErrorCode.AUTH_TOKEN_EXPIRED,
  [CloseCode.AUTH_WRONG_LIBRARY]: ErrorCode.AUTH_WRONG_LIBRARY,
  [CloseCode.VERSION_MISMATCH]: ErrorCode.PROTOCOL_VERSION_MISMATCH,
  [CloseCode.POLICY_VIOLATION]: ErrorCode.PROTOCOL_INVALID_MESSAGE,
  [CloseCode.REPLICA_FORBIDDEN]: ErrorCode.AUTH_REPLICA_FORBIDDEN,
  [CloseCode.SCHEMA_OUTDATED]: ErrorCode.SYNC_SCHEMA_OUTDATED,
};

function checkOptions(options: SyncOptions): void {
  const problem =
    typeof options?.url !== 'string' || !/^(wss?|https?):\/\//.test(options.url)
      ? '`url` must be the server\'s ws:// or wss:// sync URL'
      : typeof options.library !== 'string' || options.library.length === 0
        ? '`library` must be a non-empty string'
        : options.token === undefined && options.getToken === undefined
          ? 'pass `token` or `getToken`'
          : undefined;
  if (problem) throw new TrellisError(ErrorCode.INVALID_ARGUMENT, `createSync: ${problem}.`);
}

/**
 * Connects a store to a sync server for one library.
 *
 *   const sync = createSync(store, { url, library: 'lib-1', token });
 *   sync.state.subscribe(({ phase, pending }) => badge(phase, pending));
 *   // phase 'join-required': ask the user, then
 *   await sync.join();
 */
export function createSync(store: Pick<Store, 'name' | 'replicaId'>, options: SyncOptions): Sync {
  checkOptions(options);
  const host = getStoreHost(store);
  startFileDownloads(host, options); // files: in every tab, see files.ts
  const tabs = sharedTabs(options.tabs);
  const presence = createPresence();
  if (!tabs) {
    const { acknowledged: _internal, ...sync } = startSync(host, options, presence);
    return sync;
  }
  // One lock and channel per database and library: the tabs sharing both share one replica's connection.
  const name = `trellis-sync:${store.name}:${options.library}`;
  let relay: ((message: PresenceUpdateMessage) => void) | undefined;
  const leaderPresence: PresenceControl = { ...presence, receive: (message) => (presence.receive(message), relay?.(message)) };
  const shared = createTabSync({ host, name, start: (fenced) => startSync(fenced, options, leaderPresence), ...tabs });
  return { ...shared.sync, presence: sharePresence(presence, shared, (send) => (relay = send)) };
}

/**
 * Presence across the tabs of one replica. The replica has one presence: the
 * state last set in any of its tabs (each tab's `self` follows it), sent by
 * the leader, whose control alone is connected. The leader relays what the
 * server says about the others to the followers, and a follower asks for a
 * snapshot whenever a new leader speaks.
 */
function sharePresence(control: PresenceControl, { channel, leadership }: TabSync, onRelay: (send: (message: PresenceUpdateMessage) => void) => void): Presence {
  const leading = () => leadership.leader.value?.tab === channel.tab;
  onRelay((message) => channel.post('presence:peers', message));
  const adopt = (state: unknown) => {
    try {
      control.presence.set(state as JsonObject | null);
    } catch {
      // Another tab's app passed the same checks before posting; a malformed message is dropped.
    }
  };
  channel.on('presence:set', (payload) => adopt((payload as { state?: unknown } | undefined)?.state ?? null));
  channel.on('presence:peers', (payload) => {
    if (!leading() && (payload as { type?: unknown } | undefined)?.type === 'presence') control.receive(payload as PresenceUpdateMessage);
  });
  channel.on('presence:ask', () => leading() && channel.post('presence:peers', control.snapshot()));
  leadership.leader.subscribe((leader) => leader && !leading() && channel.post('presence:ask'));
  const share = () => channel.post('presence:set', { state: control.presence.self });
  return {
    get self() {
      return control.presence.self;
    },
    set(state) {
      control.presence.set(state);
      share();
    },
    peers$: new Observable((subscriber) => {
      const subscription = control.presence.peers$.subscribe(subscriber);
      // Watching makes the replica visible, whichever tab watches.
      share();
      return subscription;
    }),
  };
}

/**
 * Asks getToken for a token. A failure is shown as SYNC_TOKEN_UNAVAILABLE and
 * rethrown: the transport then tries again with its backoff (partysocket
 * reports no close for an attempt that never got a URL, so without this the
 * phase stayed `connecting` with no error).
 */
async function fetchToken(getToken: () => Promise<string> | string, report: (error: { code: string; message: string }) => void): Promise<string> {
  try {
    return await getToken();
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    report({ code: ErrorCode.SYNC_TOKEN_UNAVAILABLE, message: `getToken failed (${reason}); retrying with backoff.` });
    throw err;
  }
}

/** One engine and connection, run by this tab. */
function startSync(host: StoreHost, options: SyncOptions, presence: PresenceControl): LeaderSync {
  const autoJoin = options.autoJoin ?? 'when-nothing-at-risk';
  const engine = createEngine({ host, library: options.library, autoJoin, onPresence: presence.receive });
  const canRefresh = options.getToken !== undefined;
  const isFatal = (code: number) =>
    code === CloseCode.VERSION_MISMATCH ||
    code === CloseCode.POLICY_VIOLATION ||
    code === CloseCode.AUTH_WRONG_LIBRARY ||
    code === CloseCode.REPLICA_FORBIDDEN ||
    code === CloseCode.SCHEMA_OUTDATED ||
    (!canRefresh && (code === CloseCode.AUTH_INVALID || code === CloseCode.AUTH_EXPIRED));
  const url = async () => {
    const token = options.getToken ? await fetchToken(options.getToken, engine.report) : (options.token as string);
    return `${options.url.replace(/\/+$/, '')}/${encodeURIComponent(options.library)}?token=${encodeURIComponent(token)}`;
  };
  const transport = (options.transport ?? createPartysocketTransport)({ url, isFatal, WebSocket: options.WebSocket });
  engine.attach(transport);
  let stopped = false;
  transport.onClose(({ code, reason }) => {
    if (stopped) return;
    const fatal = isFatal(code);
    const errorCode = CLOSE_ERRORS[code];
    // The close reason is just the code; the error frame sent before the close says what to do.
    const said = engine.state.value.error;
    const error = errorCode ? { code: errorCode, message: said?.code === errorCode ? said.message : reason || `Connection closed (${code}).` } : undefined;
    // Auth and protocol refusals show as 'error' even while a getToken-based retry is under way.
    engine.onDisconnected(fatal || error ? 'error' : 'offline', error);
  });
  const subscriptions = new Subscription();
  subscriptions.add(host.pending.subscribe((pending) => void engine.pending(pending)));
  // Synchronous: the store announces a commit before the write's promise resolves, so pending counts it by then.
  subscriptions.add(host.localOps.subscribe((ops) => void engine.committed(ops)));
  let live = false;
  subscriptions.add(
    engine.state.subscribe(({ phase }) => {
      if ((phase === 'live') === live) return;
      live = !live;
      if (live) presence.connected(engine.sendPresence);
      else presence.disconnected();
    }),
  );
  // files: uploads over HTTP while live, see files.ts
  const files = startFileUploads({ host, endpoint: options, state: engine.state, onError: (error) => engine.report(error) });

  return {
    state: engine.state.asObservable(),
    join: () => engine.join(),
    flushed: () => engine.flushed(),
    atRisk: () => readAtRisk(host),
    rejections: engine.rejections,
    acknowledged: engine.acknowledged,
    presence: presence.presence,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      subscriptions.unsubscribe();
      if (live) presence.disconnected();
      files.stop(); // files:
      engine.stopped();
      transport.close();
      engine.onDisconnected('offline');
    },
  };
}
